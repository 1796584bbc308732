package dev.valence.api;

/** What kind of thing went wrong, so callers can react without parsing messages. */
public enum ErrorKind {
    /** A setting is missing, malformed or not accepted. */
    CONFIG,
    /** A plugin is missing, broken or ambiguous. */
    PLUGIN,
    /** The Kubernetes API refused or could not be reached. */
    CLUSTER,
    /** The cluster denied an operation (401/403). */
    PERMISSION,
    /** Building or pushing the task image failed. */
    IMAGE,
    /** Reading or writing the data store failed. */
    STORE,
    /** A payload could not be serialized or deserialized. */
    PAYLOAD,
    /** The task's own code threw; the cause is the task's exception. */
    TASK_FAILED,
    /** The pod could not run the task (image pull, OOM, unschedulable, deadline, eviction). */
    POD_FAILED,
    /** The task or workflow was cancelled. */
    CANCELLED,
    /** A deadline passed. */
    TIMEOUT,
    /** A workflow graph is not valid (cycle, misuse of handles). */
    WORKFLOW,
    /** Something that is not built yet was asked for. */
    UNSUPPORTED,
    /** A bug in Valence. */
    INTERNAL
}
