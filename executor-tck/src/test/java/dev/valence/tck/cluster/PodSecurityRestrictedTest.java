package dev.valence.tck.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodSecurityRestrictedTest {

    private static PodSpec pod(String yaml) {
        return Serialization.unmarshal(yaml, PodSpec.class);
    }

    @Test
    void aPodThatFollowsEveryRulePasses() {
        assertEquals(List.of(), PodSecurityRestricted.violations(pod("""
                securityContext: {runAsUser: 1000, fsGroup: 1000}
                containers:
                - name: task
                  securityContext:
                    runAsNonRoot: true
                    allowPrivilegeEscalation: false
                    capabilities: {drop: [ALL]}
                    seccompProfile: {type: RuntimeDefault}
                volumes:
                - name: tmp
                  emptyDir: {}
                """)));
    }

    @Test
    void eachBrokenRuleIsNamed() {
        assertEquals(List.of("host namespaces (hostNetwork, hostPID or hostIPC)", "hostPath volume data",
                        "pod runAsUser 0", "container task: privileged",
                        "container task: allowPrivilegeEscalation is not false", "container task: runAsNonRoot is not true",
                        "container task: seccompProfile is not RuntimeDefault or Localhost",
                        "container task: capabilities do not drop ALL"),
                PodSecurityRestricted.violations(pod("""
                        hostNetwork: true
                        securityContext: {runAsUser: 0}
                        containers:
                        - name: task
                          securityContext: {privileged: true}
                        volumes:
                        - name: data
                          hostPath: {path: /data}
                        """)));
    }
}
