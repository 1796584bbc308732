package dev.valence.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every module a user may depend on has its version in valence-bom; a new module cannot be forgotten. */
class BomListsEveryModuleTest {
    /**
     * Modules of the reactor that are not libraries: the CLI application, manifests, examples, harnesses, the
     * adapter archetype.
     */
    static final Set<String> NOT_FOR_USERS = Set.of("valence-bom", "distribution", "infra", "examples", "benchmarks",
            "valence-adapter-archetype");

    static Set<String> all(Pattern pattern, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theBomManagesEveryLibraryModuleOfTheReactor() throws IOException {
        Set<String> modules = all(Pattern.compile("<module>([^<]+)</module>"),
                Files.readString(ConsumerMatchesReadmeTest.ROOT.resolve("pom.xml")));
        modules.removeAll(NOT_FOR_USERS);
        Set<String> managed = all(Pattern.compile(
                "<groupId>dev\\.valence</groupId>\\s*<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project\\.version}</version>"),
                Files.readString(ConsumerMatchesReadmeTest.ROOT.resolve(Path.of("valence-bom", "pom.xml"))));
        assertEquals(modules, managed, "valence-bom/pom.xml should manage exactly the library modules of the reactor");
    }
}
