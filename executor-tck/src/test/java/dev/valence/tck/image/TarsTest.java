package dev.valence.tck.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarsTest {

    @Test
    void readsWhatTheTarCommandWrites(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("app/lib"));
        Files.writeString(root.resolve("app/lib/a.jar"), "jar a");
        String longName = "d".repeat(120) + ".txt";
        Files.writeString(root.resolve("app/" + longName), "long");
        Path archive = dir.resolve("layer.tar.gz");
        Process p = new ProcessBuilder("tar", "--format=posix", "--mtime=@1", "-czf", archive.toString(),
                "-C", root.toString(), "app").redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
                new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

        List<Tars.Entry> entries = Tars.read(Files.readAllBytes(archive));

        Tars.Entry jar = entries.stream().filter(e -> e.name().equals("app/lib/a.jar")).findFirst().orElseThrow();
        assertEquals("jar a", jar.text());
        assertEquals(1, jar.mtimeSeconds());
        assertTrue(jar.isFile());
        assertTrue(entries.stream().anyMatch(e -> e.name().equals("app/" + longName) && e.text().equals("long")),
                "PAX long name: " + entries.stream().map(Tars.Entry::name).toList());
        assertTrue(entries.stream().anyMatch(e -> e.isDirectory() && e.name().startsWith("app/lib")));
    }

    @Test
    void anEmptyArchiveHasNoEntries() throws IOException {
        ByteArrayOutputStream zeros = new ByteArrayOutputStream();
        zeros.write(new byte[1024]);

        assertEquals(List.of(), Tars.read(zeros.toByteArray()));
    }
}
