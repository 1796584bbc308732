package dev.valence.api;

/**
 * Executors by name, for a workflow class that {@code valence run} loads: {@code get("eks")} is the
 * executor of the settings' {@code [executors.k8s.eks]} section (over {@code [executors.k8s]}), built
 * once per run and closed by the CLI.
 */
@FunctionalInterface
public interface NamedExecutors {
    /** The executor called {@code name}; a {@code CONFIG} error when no section or variable names it. */
    Executor get(String name);
}
