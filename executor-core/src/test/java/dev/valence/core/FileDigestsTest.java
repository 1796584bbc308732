package dev.valence.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDigestsTest {
    @TempDir
    Path tmp;

    @Test
    void aJarsDigestIsRememberedUntilItChanges() throws Exception {
        Path jar = tmp.resolve("lib.jar");
        Files.writeString(jar, "version one");
        byte[] first = FileDigests.none().digest(jar);
        FileDigests cache = FileDigests.under(tmp.resolve("cache"));
        assertArrayEquals(first, cache.digest(jar));
        cache.save();
        assertTrue(Files.readString(tmp.resolve("cache/images/file-digests.properties")).contains("lib.jar"));

        // a new process with the same cache answers from memory: prove it by changing the bytes behind its back
        FileTime mtime = Files.getLastModifiedTime(jar);
        Files.writeString(jar, "version 1ne");
        Files.setLastModifiedTime(jar, mtime);
        assertArrayEquals(first, FileDigests.under(tmp.resolve("cache")).digest(jar));

        // a real change moves the modification time (or the size): read again
        Files.setLastModifiedTime(jar, FileTime.fromMillis(mtime.toMillis() + 2000));
        assertFalse(Arrays.equals(first, FileDigests.under(tmp.resolve("cache")).digest(jar)));
    }

    @Test
    void classFilesAreAlwaysRead() throws Exception {
        Path cls = tmp.resolve("A.class");
        Files.writeString(cls, "one");
        FileDigests cache = FileDigests.under(tmp.resolve("cache"));
        byte[] first = cache.digest(cls);
        FileTime mtime = Files.getLastModifiedTime(cls);
        Files.writeString(cls, "two");
        Files.setLastModifiedTime(cls, mtime);
        assertFalse(Arrays.equals(first, cache.digest(cls)));
    }
}
