package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.valence.api.ErrorKind;
import dev.valence.api.Node;
import dev.valence.api.Task;
import dev.valence.api.Task1;
import dev.valence.api.ValenceException;
import dev.valence.api.Workflow;
import dev.valence.api.Workflow1;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ValenceTest {
    @TempDir
    Path cache;

    final LocalExecutor local = new LocalExecutor();

    @BeforeEach
    void dispatcher() {
        Valence.use(new Dispatcher(cache));
    }

    @AfterEach
    void close() {
        Valence.use(null);
        local.close();
    }

    private String excite(String word) {
        Task1<String, String> excitement = Task.of("excitement", a -> a + "!", local);
        Workflow1<String, String> workflow = Workflow.of("excite", (Node<String> a) -> excitement.call(a));
        return Valence.dispatch(workflow, word);
    }

    @Test
    void aTypedResultGivesTheValueAsThatType() {
        String id = excite("Hello");
        String value = Valence.result(id, String.class, true).valueOrThrow();
        assertEquals("Hello!", value);
        assertEquals("Hello!", Valence.result(id, CharSequence.class, true).valueOrThrow().toString());
    }

    @Test
    void aResultOfAnotherTypeIsAnErrorAtTheCallNamingBothTypes() {
        String id = excite("Hello");
        ValenceException e = assertThrows(ValenceException.class, () -> Valence.result(id, Integer.class, true));
        assertEquals(ErrorKind.WORKFLOW, e.kind());
        assertEquals("dispatch " + id + " (excite) returned a java.lang.String, not the java.lang.Integer asked for:"
                + " ask for the workflow's result type (String.class) or a supertype of it", e.getMessage());
    }

    @Test
    void aPrimitiveTypeIsCheckedAsItsBox() {
        Task1<Integer, Integer> twice = Task.of("twice", (Integer a) -> a * 2, local);
        Workflow1<Integer, Integer> workflow = Workflow.of("twice", (Node<Integer> a) -> twice.call(a));
        String id = Valence.dispatch(workflow, 21);
        int value = Valence.result(id, int.class, true).valueOrThrow();
        assertEquals(42, value);
    }
}
