package dev.valence.distribution;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.TaskBody;
import dev.valence.api.TaskCall;
import dev.valence.api.TaskRun;
import dev.valence.api.ValenceException;
import dev.valence.core.JobNames;
import dev.valence.core.KubernetesExecutor;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ClusterGateway;
import dev.valence.spi.JobInfo;
import dev.valence.spi.JobRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code valence doctor}'s probe pod: a tiny task submitted through the real Kubernetes executor, so
 * its Job is what a run submits (image, store access, identity, security context). Its pod pulls the
 * task image, reads its input from the store and writes its output there; the value names the uid and
 * gid it ran as. Each way it can fail becomes a check line with the fix; the Job and the artifacts are
 * deleted whatever the outcome.
 */
final class PodProbe {
    private static final Logger LOG = LoggerFactory.getLogger(PodProbe.class);
    /** The probe's node id (its Job is {@code valence-doctor-<hex>-probe-<hash>}). */
    static final String NODE = "probe";

    private PodProbe() {
    }

    /**
     * The task body: echoes its input with the identity the pod runs as, from {@code /proc/self/status}
     * (a JVM has no API for its uid).
     */
    static final class Body implements TaskBody {
        private static final long serialVersionUID = 1L;

        @Override
        public Object invoke(Object[] args) {
            String uid = "?";
            String gid = "?";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Uid:")) {
                        uid = line.substring(4).trim().split("\\s+")[0];
                    } else if (line.startsWith("Gid:")) {
                        gid = line.substring(4).trim().split("\\s+")[0];
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: the identity stays unknown, the probe still proves the store round trip
            }
            return args[0] + " uid=" + uid + " gid=" + gid;
        }
    }

    /** Runs the probe and cleans up after it; returns its check line. */
    static DoctorCommand.Check run(KubernetesExecutor executor, ClusterGateway gateway, ArtifactStore store,
            Settings settings, Duration bound) {
        String dispatch = DoctorCommand.PROBE_DISPATCH_PREFIX + HexFormat.of().toHexDigits(
                ThreadLocalRandom.current().nextInt());
        String token = "valence-doctor-" + dispatch;
        TaskCall call = TaskCall.builder().dispatchId(dispatch).nodeId(NODE).taskName("valence-doctor-probe")
                .body(new Body()).args(List.of(token)).build();
        String job = JobNames.jobName(dispatch, NODE);
        String where = "Job " + job + " in namespace " + gateway.namespace();
        TaskRun<Object> run = null;
        try {
            run = executor.submit(call);
            Object value = run.result().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            String got = String.valueOf(value);
            if (!got.startsWith(token + " ")) {
                return DoctorCommand.Check.fail(DoctorCommand.PROBE, "the probe pod (" + where + ") returned '" + got
                        + "', not what it was given", "report this: the store gave the pod another input than was "
                        + "written");
            }
            String identity = got.substring(token.length() + 1).replace('=', ' ').replace(" gid", ", gid");
            return DoctorCommand.Check.pass(DoctorCommand.PROBE, "a Job pulled " + executor.builtImage()
                    .orElse("the task image") + "; its pod (" + identity + ") read its input and wrote its output at "
                    + store.describe(dispatch + "/" + NODE + "/") + "; Job and artifacts deleted");
        } catch (TimeoutException e) {
            String state = jobState(gateway, dispatch);
            run.cancel();
            return DoctorCommand.Check.fail(DoctorCommand.PROBE, "no result from the probe pod within "
                    + bound.toSeconds() + " s (" + where + ": " + state + ")", "a first pull of the base image can "
                    + "take minutes: run 'valence doctor --timeout 600'; meanwhile 'kubectl -n " + gateway.namespace()
                    + " describe pods -l " + ClusterGateway.DISPATCH_LABEL + "=" + dispatch + "' says what the pod "
                    + "waits for");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (run != null) {
                run.cancel();
            }
            return DoctorCommand.Check.fail(DoctorCommand.PROBE, "interrupted", "run valence doctor again");
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? Failures.unwrap(e.getCause()) : Failures.unwrap(e);
            return failure(cause, settings, gateway.namespace(), where);
        } finally {
            cleanUp(gateway, store, dispatch);
        }
    }

    /** A failed probe, by what failed, with its fix. */
    static DoctorCommand.Check failure(Throwable cause, Settings s, String namespace, String where) {
        String message = Failures.message(cause);
        ErrorKind kind = cause instanceof ValenceException v ? v.kind() : ErrorKind.INTERNAL;
        String lower = message.toLowerCase(Locale.ROOT);
        String detail;
        String fix;
        if (kind == ErrorKind.IMAGE) {
            detail = "the task image could not be built or pushed: " + message;
            fix = "check registry '" + s.registry() + "' takes pushes with these credentials (docker login, or "
                    + "registry_credentials_file), and base_image '" + s.baseImage() + "' exists";
        } else if (containsAny(message, "ImagePullBackOff", "ErrImagePull", "InvalidImageName")) {
            detail = "the pod cannot pull the task image (" + where + "): " + firstLine(message);
            fix = "the cluster's nodes must reach registry '" + s.registry() + "': on minikube use its registry addon "
                    + "(minikube addons enable registry) or registry = tar with 'minikube image load'; a registry with "
                    + "a self-signed or plain-HTTP endpoint must be in the container runtime's insecure registries; a "
                    + "private registry needs image_pull_secrets";
        } else if (containsAny(message, "AccessDenied", "Permission denied", "Read-only file system",
                "cannot open the data store", "Operation not permitted")) {
            detail = "the pod cannot read or write the store " + s.dataStore() + " (" + where + "): "
                    + lastLineMentioning(message, "AccessDenied", "Permission denied", "Read-only file system",
                            "cannot open the data store", "Operation not permitted");
            fix = storeFix(s);
        } else if (containsAny(message, "FailedCreate", "forbidden", "violates PodSecurity", "exceeded quota",
                "admission webhook", "serviceaccount")) {
            detail = "the API server refused the probe's pod (" + where + "): " + firstLine(message);
            fix = "the message names the rule: Pod Security 'baseline' or 'restricted' forbids the hostPath volume of "
                    + "a local data_store (use an s3:// or azblob:// data_store, or run in a namespace labelled "
                    + "pod-security.kubernetes.io/enforce=privileged); a missing service account: create it or unset "
                    + "service_account; a quota: lower vcpu and memory or raise the quota";
        } else if (lower.contains("unschedulable")) {
            detail = "no node can run the probe's pod (" + where + "): " + firstLine(message);
            fix = "lower vcpu (" + s.vcpu() + ") or memory (" + s.memory() + "), or check node_selector and "
                    + "tolerations against 'kubectl describe nodes'";
        } else if (containsAny(message, "CreateContainerConfigError", "runAsNonRoot")) {
            detail = "the container cannot be created (" + where + "): " + firstLine(message);
            fix = "the image runs as root while the pod must not: set run_as_user (and run_as_group) to a non-root "
                    + "uid that may write the store";
        } else if (kind == ErrorKind.PERMISSION) {
            detail = "the cluster refused the probe's Job: " + firstLine(message);
            fix = "apply infra/rbac.yaml (kubectl apply -n " + namespace + " -f infra/rbac.yaml) or ask your admin for "
                    + "a Role with the verbs the permissions check lists";
        } else if (kind == ErrorKind.TIMEOUT || message.contains("DeadlineExceeded")) {
            detail = "the probe's pod ran past its deadline (" + where + "): " + firstLine(message);
            fix = "raise timeout (the active deadline) or unset it; see the pod's events for why it was slow";
        } else {
            detail = "the probe task failed (" + where + "): " + firstLine(message);
            fix = "see the message above (and -v for every step); 'valence render' shows the Job a task gets";
        }
        return DoctorCommand.Check.fail(DoctorCommand.PROBE, detail, fix);
    }

    private static String storeFix(Settings s) {
        if (s.dataStore().startsWith("s3://") || s.dataStore().startsWith("azblob://")) {
            return "give the pods' identity (service_account, its IAM role or workload identity) read and write on "
                    + s.dataStore();
        }
        return "the pod runs as the uid and gid of its security context, and the folder mounted from the node ("
                + s.dataStore() + ", mounted at " + s.dataStoreMount() + ") must let it write: set run_as_user, "
                + "run_as_group and fs_group to the folder's owner (e.g. --set run_as_user=$(id -u) --set "
                + "run_as_group=$(id -g)), or make the folder writable for them (with 'minikube mount', pass --uid "
                + "and --gid)";
    }

    private static boolean containsAny(String text, String... words) {
        for (String w : words) {
            if (text.contains(w)) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String message) {
        return message.lines().findFirst().orElse("");
    }

    /** The log line that names the problem (the last one), else the message's first line. */
    private static String lastLineMentioning(String message, String... words) {
        List<String> hits = new ArrayList<>();
        message.lines().filter(l -> containsAny(l, words)).forEach(hits::add);
        return hits.isEmpty() ? firstLine(message) : hits.get(hits.size() - 1).trim();
    }

    private static String jobState(ClusterGateway gateway, String dispatch) {
        try {
            List<JobInfo> jobs = gateway.list(labels(dispatch));
            if (jobs.isEmpty()) {
                return "no Job yet (the image may still be building or pushing)";
            }
            JobInfo j = jobs.get(0);
            String log = gateway.logs(new JobRef(j.name(), j.namespace(), false), 5).strip();
            return "Job " + j.phase().name().toLowerCase(Locale.ROOT) + (log.isEmpty() ? ", no pod log yet"
                    : ", last log lines: " + log.replace('\n', ' '));
        } catch (RuntimeException e) {
            return "its state could not be read: " + Failures.message(e);
        }
    }

    private static Map<String, String> labels(String dispatch) {
        return Map.of(ClusterGateway.MANAGED_BY, "valence", ClusterGateway.DISPATCH_LABEL, JobNames.labelValue(dispatch));
    }

    /** Deletes the probe's Jobs (a failed one is kept by the executor for its logs) and its whole store folder. */
    private static void cleanUp(ClusterGateway gateway, ArtifactStore store, String dispatch) {
        try {
            for (JobInfo j : gateway.list(labels(dispatch))) {
                gateway.cancel(new JobRef(j.name(), j.namespace(), false));
            }
        } catch (RuntimeException e) {
            LOG.warn("the probe's Job could not be deleted: {}; delete it with: valence jobs cancel --dispatch {}",
                    Failures.message(e), dispatch);
        }
        try {
            store.deletePrefix(dispatch + "/");
        } catch (RuntimeException e) {
            LOG.warn("the probe's artifacts at {} could not be deleted: {}", store.describe(dispatch + "/"),
                    Failures.message(e));
        }
    }
}
