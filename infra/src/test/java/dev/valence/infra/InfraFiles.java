package dev.valence.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the files of the infra module (Maven runs tests with the module as base directory). */
final class InfraFiles {

    private InfraFiles() {
    }

    /** The infra module's directory. */
    static Path dir() {
        Path dir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (!Files.isRegularFile(dir.resolve("sample_job.yaml"))) {
            throw new IllegalStateException("infra directory not found: " + dir
                    + " has no sample_job.yaml; run the tests from the infra module (mvn -pl infra verify)");
        }
        return dir;
    }

    static Path file(String relative) {
        return dir().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
