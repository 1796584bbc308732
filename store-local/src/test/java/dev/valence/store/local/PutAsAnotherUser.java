package dev.valence.store.local;

import dev.valence.api.Settings;
import dev.valence.spi.ArtifactStore;
import java.nio.file.Path;
import java.util.Map;

/** Test helper run in a child JVM under another uid: puts one blob into a local store with an fs_group. */
public final class PutAsAnotherUser {
    private PutAsAnotherUser() {
    }

    /** Arguments: the store's directory, the fs_group, the key. */
    public static void main(String[] args) {
        try (ArtifactStore store = new LocalStoreFactory().create(Settings.builder().environment(Map.of())
                .userHome(Path.of(args[0])).dataStore(args[0]).set("fs_group", args[1]).build())) {
            store.put(args[2], new byte[] {1});
        }
    }
}
