package dev.valence.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Use Valence in your project" is what the consumer project (built against this build's
 * artifacts by maven-invoker-plugin) uses: the Maven snippet, the Gradle one, and the smallest program.
 */
class ConsumerMatchesReadmeTest {
    static final Path ROOT = Path.of(System.getProperty("valence.root", ".."));
    static final String VERSION = System.getProperty("valence.version");

    static String section() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n## Use Valence in your project\n");
        assertTrue(start >= 0, "README.md has no section 'Use Valence in your project'");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    static List<String> blocks(String text, String language) {
        Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(text);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static String squeeze(String xml) {
        return xml.replaceAll("\\s+", " ").replace("> <", "><").trim();
    }

    static String only(Pattern pattern, String text, String what) {
        Matcher m = pattern.matcher(text);
        assertTrue(m.find(), "no " + what + " in:\n" + text);
        String found = m.group();
        assertTrue(!m.find(), "more than one " + what + " in:\n" + text);
        return found;
    }

    @Test
    void theMavenSnippetIsTheConsumersBomAndStarterAtThisVersion() throws IOException {
        List<String> xml = blocks(section(), "xml");
        assertEquals(1, xml.size(), "one Maven snippet");
        String snippet = squeeze(xml.get(0));
        String pom = squeeze(Files.readString(ROOT.resolve("consumer/pom.xml")));

        String bom = only(Pattern.compile("<dependencyManagement>.*?</dependencyManagement>"), snippet, "BOM import");
        String starter = only(Pattern.compile("<dependency><groupId>dev\\.valence</groupId><artifactId>valence-starter</artifactId>.*?</dependency>"),
                snippet, "starter dependency");
        assertTrue(pom.contains(bom), "consumer/pom.xml does not import the BOM as the README shows:\n" + bom);
        assertTrue(pom.contains(starter), "consumer/pom.xml does not depend on the starter as the README shows:\n" + starter);
        assertEquals("<dependencies></dependencies>", snippet.replace(bom, "").replace(starter, "").replace(" ", ""),
                "the README's snippet holds something the consumer does not check");
        assertTrue(bom.contains("<artifactId>valence-bom</artifactId><version>" + VERSION + "</version><type>pom</type><scope>import</scope>"),
                "the snippet imports valence-bom " + VERSION + " (this build's version): " + bom);
    }

    @Test
    void theGradleSnippetNamesTheSameBomAndStarter() throws IOException {
        List<String> kotlin = blocks(section(), "kotlin");
        assertEquals(1, kotlin.size(), "one Gradle snippet");
        assertEquals("""
                dependencies {
                    implementation(platform("dev.valence:valence-bom:%s"))
                    implementation("dev.valence:valence-starter")
                }
                """.formatted(VERSION), kotlin.get(0));
    }

    @Test
    void theSmallestProgramIsTheConsumersMainClass() throws IOException {
        List<String> java = blocks(section(), "java");
        assertEquals(1, java.size(), "one Java program");
        assertEquals(Files.readString(ROOT.resolve("consumer/src/main/java/com/example/hello/HelloValence.java")),
                java.get(0), "README's program and consumer/src/main/java/com/example/hello/HelloValence.java differ");
    }
}
