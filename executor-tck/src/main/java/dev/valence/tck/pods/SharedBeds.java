package dev.valence.tck.pods;

import dev.valence.tck.image.RegistryBed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Beds shared by every test class of a test JVM, started on first use and stopped when the JVM
 * exits: one registry holding the {@link JreImage}, and one directory of unpacked images, so a
 * suite of many classes pushes the JRE and unpacks each task image once.
 */
public final class SharedBeds {
    private static RegistryBed registry;
    private static String jre;
    private static Path images;

    private SharedBeds() {
    }

    /** The shared registry (no auth) on a loopback port. */
    public static synchronized RegistryBed registry() {
        if (registry == null) {
            registry = RegistryBed.start();
            RegistryBed started = registry;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-registry-bed-stop"));
        }
        return registry;
    }

    /** The JRE base image in the shared registry, by digest: the {@code base_image} of suites with real pods. */
    public static synchronized String jreImage() {
        if (jre == null) {
            jre = JreImage.pushTo(registry());
        }
        return jre;
    }

    /** Where runners of this JVM unpack pulled images (deleted when the JVM exits). */
    public static synchronized Path imageCache() {
        if (images == null) {
            try {
                images = Files.createTempDirectory("valence-images-" + ProcessHandle.current().pid() + "-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the image cache", e);
            }
            Path dir = images;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    ImagePuller.deleteTree(dir);
                } catch (IOException e) {
                    // a temporary directory left behind
                }
            }, "image-cache-cleanup"));
        }
        return images;
    }
}
