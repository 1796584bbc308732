package dev.valence.tck.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodSecurityStandardsTest {

    private static PodSpec pod(String yaml) {
        return Serialization.unmarshal(yaml, PodSpec.class);
    }

    @Test
    void aPodThatFollowsEveryRulePasses() {
        assertEquals(List.of(), PodSecurityStandards.restrictedViolations(pod("""
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
        assertEquals(List.of("host namespaces (hostNetwork=true)",
                        "privileged (container \"task\" must not set securityContext.privileged=true)",
                        "hostPath volumes (volume \"data\")",
                        "restricted volume types (volume \"data\" uses restricted volume type \"hostPath\")",
                        "allowPrivilegeEscalation != false (container \"task\" must set "
                                + "securityContext.allowPrivilegeEscalation=false)",
                        "unrestricted capabilities (container \"task\" must set securityContext.capabilities.drop=[\"ALL\"])",
                        "runAsNonRoot != true (pod or container \"task\" must set securityContext.runAsNonRoot=true)",
                        "runAsUser=0 (pod must not set runAsUser=0)",
                        "seccompProfile (pod or container \"task\" must set securityContext.seccompProfile.type to "
                                + "\"RuntimeDefault\" or \"Localhost\")"),
                PodSecurityStandards.restrictedViolations(pod("""
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

    @Test
    void baselineForbidsOnlyEscalationsAndRestrictedAddsTheHardening() {
        PodSpec pod = pod("""
                securityContext:
                  sysctls: [{name: kernel.msgmax, value: "1"}, {name: net.ipv4.tcp_syncookies, value: "1"}]
                initContainers:
                - name: init
                  securityContext: {procMount: Unmasked, capabilities: {add: [SYS_ADMIN]}}
                containers:
                - name: task
                  ports: [{containerPort: 80, hostPort: 8080}]
                  securityContext: {runAsUser: 0}
                """);
        assertEquals(List.of("non-default capabilities (container \"init\" must not include \"SYS_ADMIN\" in "
                                + "securityContext.capabilities.add)",
                        "hostPort (container \"task\" uses hostPort 8080)",
                        "procMount (container \"init\" must not set securityContext.procMount to \"Unmasked\")",
                        "forbidden sysctls (kernel.msgmax)"),
                PodSecurityStandards.violations(pod, PodSecurityStandards.Level.BASELINE));
        List<String> restricted = PodSecurityStandards.restrictedViolations(pod);
        assertEquals(List.of("hostPort (container \"task\" uses hostPort 8080)",
                        "procMount (container \"init\" must not set securityContext.procMount to \"Unmasked\")",
                        "forbidden sysctls (kernel.msgmax)",
                        "allowPrivilegeEscalation != false (containers \"init\", \"task\" must set "
                                + "securityContext.allowPrivilegeEscalation=false)",
                        "unrestricted capabilities (container \"init\" must set securityContext.capabilities.drop=[\"ALL\"]; "
                                + "container \"init\" must not include \"SYS_ADMIN\" in securityContext.capabilities.add; "
                                + "container \"task\" must set securityContext.capabilities.drop=[\"ALL\"])",
                        "runAsNonRoot != true (pod or containers \"init\", \"task\" must set securityContext.runAsNonRoot=true)",
                        "runAsUser=0 (container \"task\" must not set runAsUser=0)",
                        "seccompProfile (pod or containers \"init\", \"task\" must set securityContext.seccompProfile.type to "
                                + "\"RuntimeDefault\" or \"Localhost\")"),
                restricted);
        assertEquals(List.of(), PodSecurityStandards.violations(pod, PodSecurityStandards.Level.PRIVILEGED));
    }
}
