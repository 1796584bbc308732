/**
 * The entry points a program calls, and the domain behind them.
 *
 * <ul>
 *   <li>{@link dev.valence.core.Valence}: dispatch a workflow, get its result by id
 *       ({@code Valence.result(id, String.class, true)} checks the value's type), resume or cancel it — the
 *       seed's {@code ct.dispatch} and {@code ct.get_result};</li>
 *   <li>{@link dev.valence.core.LocalExecutor}: run tasks in this JVM, values through the same codec as on a
 *       cluster;</li>
 *   <li>{@link dev.valence.core.KubernetesExecutor}: run each task as a Kubernetes Job
 *       ({@code KubernetesExecutor.builder().k8sContext("minikube").build()}), with the adapters found on
 *       the class path;</li>
 *   <li>{@link dev.valence.core.Dispatcher}: the workflow runner behind {@code Valence}, for a program that
 *       wants its own {@code cache_dir}.</li>
 * </ul>
 *
 * <p>The types these take and return ({@code Task}, {@code Workflow}, {@code WorkflowResult} …) are in
 * {@link dev.valence.api}. {@link dev.valence.core.Launcher} is the task image's entrypoint, not called
 * by programs. This package depends on {@code executor-api} only (and tomlj, to read the settings file).
 */
package dev.valence.core;
