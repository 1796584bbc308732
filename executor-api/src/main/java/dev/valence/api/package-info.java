/**
 * What a program that runs tasks writes against: tasks, workflows, executors, results and errors.
 *
 * <p>A task is a named, serializable function bound to an executor ({@link dev.valence.api.Task#of},
 * typed as {@link dev.valence.api.Task0} … {@link dev.valence.api.Task8}); a workflow wires task calls
 * over {@link dev.valence.api.Node}s ({@link dev.valence.api.Workflow#of}, typed as
 * {@link dev.valence.api.Workflow0} … {@link dev.valence.api.Workflow8}). Running a task directly gives a
 * {@link dev.valence.api.TaskRun}; dispatching a workflow gives a {@link dev.valence.api.WorkflowResult}
 * with a {@link dev.valence.api.NodeResult} per node. Every failure is a
 * {@link dev.valence.api.ValenceException} with an {@link dev.valence.api.ErrorKind}, except a task's own
 * exception, which is rethrown as itself.
 *
 * <p>The entry points that make these run — {@code Valence} (dispatch, result, resume, redispatch, cancel, records),
 * {@code LocalExecutor} and {@code KubernetesExecutor} — are in {@code dev.valence.core} (module
 * {@code executor-core}); the ports adapters implement are in {@link dev.valence.spi}. A program depends on
 * {@code dev.valence:valence-starter} with the {@code dev.valence:valence-bom} imported (see the README,
 * "Use Valence in your project").
 */
package dev.valence.api;
