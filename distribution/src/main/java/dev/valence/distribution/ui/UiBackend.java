package dev.valence.distribution.ui;

import dev.valence.api.WorkflowResult;
import dev.valence.spi.PodInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code valence ui} reads and does: the recorded dispatches, their Jobs' logs, cancel and resume. */
public interface UiBackend {

    /** Every recorded dispatch, newest first. */
    List<WorkflowResult<Object>> list();

    /**
     * The dispatch as it stands, with its nodes' values; empty when no dispatch has this id. A record
     * that cannot be read (being written by an older writer, cut short) throws.
     */
    Optional<WorkflowResult<Object>> find(String dispatchId);

    /** The arguments the dispatch was started with, when its record names them. */
    Optional<List<?>> args(String dispatchId);

    /** Cancels a running dispatch as {@code valence dispatches cancel} does; says what was done. */
    String cancel(String dispatchId);

    /** Resumes a dispatch as {@code valence dispatches resume} does, in this process; says what was done. */
    String resume(String dispatchId);

    /** The last {@code tail} lines of a Job's pod log, read as {@code valence jobs logs} reads them. */
    JobLog logs(String jobName, int tail);

    /** The pods of a Job, newest first, as {@code kubectl get pods -l job-name=JOB} shows them; throws when the cluster cannot say. */
    List<PodInfo> pods(String jobName);

    /** The last {@code tail} lines of one pod's log (its task container's); empty when there is none. */
    String podLog(String podName, int tail);

    /** The effective settings, secrets masked as {@code valence config} shows them: key → shown value. */
    Map<String, String> settings();

    /** The values of the sensitive settings: never sent in any answer. */
    List<String> secretValues();

    /** A Job's log tail and whether the Job is still there and running (so a follower keeps polling). */
    record JobLog(String text, boolean running, String note) {
    }
}
