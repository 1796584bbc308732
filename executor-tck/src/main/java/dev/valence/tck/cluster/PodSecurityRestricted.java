package dev.valence.tck.cluster;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The checks of the Kubernetes Pod Security Standard "restricted" (which includes "baseline"),
 * as the Pod Security Admission controller applies them to a pod template, for a test to assert
 * on a rendered Job. Sysctls, AppArmor, SELinux options and Windows host processes are not set by
 * Valence and are only checked for being absent.
 */
public final class PodSecurityRestricted {
    /** Volume types "restricted" allows. */
    private static final Set<String> ALLOWED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");

    private PodSecurityRestricted() {
    }

    /** What in {@code pod} breaks "restricted", one line each; empty when it passes. */
    public static List<String> violations(PodSpec pod) {
        List<String> out = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                || Boolean.TRUE.equals(pod.getHostIPC())) {
            out.add("host namespaces (hostNetwork, hostPID or hostIPC)");
        }
        for (Volume v : pod.getVolumes()) {
            String type = volumeType(v);
            if (!ALLOWED_VOLUMES.contains(type)) {
                out.add(type + " volume " + v.getName());
            }
        }
        PodSecurityContext podContext = pod.getSecurityContext();
        if (podContext != null && podContext.getSysctls() != null && !podContext.getSysctls().isEmpty()) {
            out.add("sysctls");
        }
        if (podContext != null && Long.valueOf(0).equals(podContext.getRunAsUser())) {
            out.add("pod runAsUser 0");
        }
        boolean podNonRoot = podContext != null && Boolean.TRUE.equals(podContext.getRunAsNonRoot());
        String podSeccomp = podContext == null ? null : seccomp(podContext.getSeccompProfile());
        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(pod.getInitContainers());
        for (Container c : containers) {
            String name = "container " + c.getName();
            SecurityContext sc = c.getSecurityContext();
            if (sc == null) {
                sc = new SecurityContext();
            }
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                out.add(name + ": privileged");
            }
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                out.add(name + ": allowPrivilegeEscalation is not false");
            }
            if (!(Boolean.TRUE.equals(sc.getRunAsNonRoot()) || (sc.getRunAsNonRoot() == null && podNonRoot))) {
                out.add(name + ": runAsNonRoot is not true");
            }
            if (Long.valueOf(0).equals(sc.getRunAsUser())) {
                out.add(name + ": runAsUser 0");
            }
            String seccomp = sc.getSeccompProfile() != null ? seccomp(sc.getSeccompProfile()) : podSeccomp;
            if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
                out.add(name + ": seccompProfile is not RuntimeDefault or Localhost");
            }
            Capabilities caps = sc.getCapabilities();
            if (caps == null || !caps.getDrop().contains("ALL")) {
                out.add(name + ": capabilities do not drop ALL");
            }
            if (caps != null && caps.getAdd().stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) {
                out.add(name + ": capabilities add more than NET_BIND_SERVICE");
            }
            if (c.getPorts().stream().anyMatch(p -> p.getHostPort() != null && p.getHostPort() != 0)) {
                out.add(name + ": hostPort");
            }
            if (sc.getProcMount() != null && !sc.getProcMount().equals("Default")) {
                out.add(name + ": procMount " + sc.getProcMount());
            }
        }
        return out;
    }

    private static String seccomp(SeccompProfile p) {
        return p == null ? null : p.getType();
    }

    private static String volumeType(Volume v) {
        if (v.getHostPath() != null) {
            return "hostPath";
        }
        if (v.getEmptyDir() != null) {
            return "emptyDir";
        }
        if (v.getSecret() != null) {
            return "secret";
        }
        if (v.getConfigMap() != null) {
            return "configMap";
        }
        if (v.getProjected() != null) {
            return "projected";
        }
        if (v.getDownwardAPI() != null) {
            return "downwardAPI";
        }
        if (v.getPersistentVolumeClaim() != null) {
            return "persistentVolumeClaim";
        }
        if (v.getCsi() != null) {
            return "csi";
        }
        if (v.getEphemeral() != null) {
            return "ephemeral";
        }
        return "other";
    }
}
