package dev.valence.core;

import dev.valence.api.ElementResult;
import dev.valence.api.ErrorKind;
import dev.valence.api.MapResult;
import dev.valence.api.TaskBody;
import dev.valence.api.TaskCall;
import dev.valence.api.ValenceException;
import java.io.PrintStream;
import java.util.List;

/**
 * What every executor shares for a map call: running one element with its retries, and the verdict over
 * all elements ({@code minSuccessRatio}): the {@link MapResult}, or the error naming the failed elements.
 */
final class MapElements {
    /** How many failed elements an error names by index; the others are counted. */
    static final int NAMED_FAILURES = 20;

    private MapElements() {
    }

    /**
     * Runs the function on one element, again after each exception up to {@code retries} more times (the
     * per-element retries of a thrown exception, without a new pod); the last exception is the output.
     */
    static PayloadCodec.Output run(TaskBody body, Object element, int retries, int index, PrintStream log) {
        Throwable last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            try {
                return PayloadCodec.Output.value(body.invoke(new Object[] {element}));
            } catch (Throwable t) {
                last = t;
                if (t instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                    break;
                }
                if (attempt < retries && log != null) {
                    log.println("[valence] element " + index + " threw " + t + "; trying it again (" + (attempt + 1)
                            + " of " + retries + " retries)");
                }
            }
        }
        return PayloadCodec.Output.error(PayloadCodec.portable(last));
    }

    /**
     * The map's result when at least {@code minSuccessRatio} of its elements succeeded (an empty map always
     * does); else a {@code TASK_FAILED} error that counts and names the failed elements, caused by the first
     * failure.
     */
    static <R> MapResult<R> verdict(TaskCall call, List<ElementResult<R>> elements, String where) {
        MapResult<R> result = MapResult.of(elements);
        int n = result.size();
        int ok = result.succeededCount();
        double needed = call.options().minSuccessRatio();
        if (n == 0 || ok == n || (double) ok / n >= needed) {
            return result;
        }
        List<ElementResult<R>> failed = result.failures();
        StringBuilder indexes = new StringBuilder();
        for (int i = 0; i < Math.min(NAMED_FAILURES, failed.size()); i++) {
            indexes.append(i == 0 ? "" : ", ").append(failed.get(i).index());
        }
        if (failed.size() > NAMED_FAILURES) {
            indexes.append(" and ").append(failed.size() - NAMED_FAILURES).append(" more");
        }
        ElementResult<R> first = failed.get(0);
        String ratio = needed >= 1.0 ? "every element must succeed"
                : "minSuccessRatio " + needed + " needs " + (int) Math.ceil(needed * n);
        throw new ValenceException(ErrorKind.TASK_FAILED, "map of task '" + call.taskName() + "' (" + call.dispatchId()
                + "/" + call.nodeId() + where + "): " + (n - ok) + " of " + n + " elements failed (" + ratio
                + "; lower minSuccessRatio to accept partial results): elements " + indexes + "; element "
                + first.index() + ": " + first.error().map(Throwable::toString).orElse("?"),
                failed.get(0).error().orElse(null));
    }
}
