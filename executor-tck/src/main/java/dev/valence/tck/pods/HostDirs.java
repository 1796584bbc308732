package dev.valence.tck.pods;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Host directories as an operator prepares a folder that pods of any user write to: mode 0777 and a
 * default ACL, so what anyone creates inside stays writable by every uid whatever the creator's
 * umask ({@code setfacl}, Debian package {@code acl}). Suites that are not about identity use it
 * for their local store; the identity cases use a folder the client made itself.
 */
public final class HostDirs {
    /** What to tell a user whose machine lacks setfacl. */
    public static final String INSTALL_HINT = "install it with: apt-get install acl";

    private HostDirs() {
    }

    /** Makes {@code dir} (created if missing) and everything later created in it writable by every uid. */
    public static Path writableByAnyUid(Path dir) {
        try {
            Files.createDirectories(dir);
            run(List.of("chmod", "0777", dir.toString()));
            run(List.of("setfacl", "-m", "d:u::rwx,d:g::rwx,d:o::rwx,d:m::rwx", dir.toString()));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + dir + " to every uid (" + INSTALL_HINT + ")", e);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
