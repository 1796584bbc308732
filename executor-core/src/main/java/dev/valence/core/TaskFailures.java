package dev.valence.core;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.TaskCall;
import dev.valence.api.ValenceException;
import dev.valence.spi.JobOutcome;
import dev.valence.spi.JobRef;
import java.util.Set;

/** How a Job that ended without an output fails its task: the error's kind, message and fix. */
final class TaskFailures {
    /**
     * Reasons of a Job whose pod never ran (and may never run): Valence deletes such a Job when it
     * gives up on it, since there is no log to keep and a pod that starts later would run for nobody.
     */
    static final Set<String> NEVER_RAN = Set.of("Unschedulable", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError", "FailedCreate");

    private TaskFailures() {
    }

    static boolean neverRan(JobOutcome outcome) {
        return NEVER_RAN.contains(outcome.reason());
    }

    /** The error of a failed Job: its reason, message, fix and log tail. */
    static ValenceException error(TaskCall call, String place, JobOutcome outcome, JobRef job, Settings settings) {
        String message = "task '" + call.taskName() + "' failed in " + place + ": " + outcome.reason()
                + (outcome.message().isEmpty() ? "" : ": " + outcome.message())
                + (outcome.reason().equals("FailedCreate") ? refusedFix(outcome.message(), job, settings) : "")
                + (outcome.logTail().isBlank() ? "" : "\nlast log lines:\n" + outcome.logTail());
        return new ValenceException(kindOf(outcome.reason()), message);
    }

    /** What to do about a pod the API server refused, from the Job controller's {@code FailedCreate} message. */
    static String refusedFix(String message, JobRef job, Settings settings) {
        String ns = job.namespace();
        if (message.contains("PodSecurity")) {
            return message.contains("hostPath") && settings.dataStoreScheme().equals("file")
                    ? "; namespace " + ns + " enforces a Pod Security level that forbids the hostPath volume of a local "
                            + "data_store: use an s3:// or azblob:// data_store there, or a namespace whose "
                            + "pod-security.kubernetes.io/enforce label is 'privileged'"
                    : "; namespace " + ns + " enforces a Pod Security level this pod does not meet: see the rules "
                            + "named above, or use a namespace whose pod-security.kubernetes.io/enforce label allows it";
        }
        if (message.contains("serviceaccount") || message.contains("service account")) {
            return "; create the service account in namespace " + ns + " or set service_account to one that exists "
                    + "('kubectl -n " + ns + " get serviceaccounts')";
        }
        if (message.contains("exceeded quota")) {
            return "; the namespace's ResourceQuota is used up: lower vcpu/memory, wait for other pods to end, or raise "
                    + "the quota ('kubectl -n " + ns + " describe resourcequota')";
        }
        return "; see 'kubectl -n " + ns + " describe job " + job.name() + "'";
    }

    static ErrorKind kindOf(String reason) {
        return switch (reason) {
            case "DeadlineExceeded" -> ErrorKind.TIMEOUT;
            case "Deleted" -> ErrorKind.CANCELLED;
            default -> ErrorKind.POD_FAILED;
        };
    }
}
