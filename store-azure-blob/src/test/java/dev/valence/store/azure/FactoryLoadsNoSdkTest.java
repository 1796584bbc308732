package dev.valence.store.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Every command lists the stores' settings, so the factory is loaded on every command: it must not
 * make the JVM load (and verify: the Azure SDK's jars are signed) any Azure SDK class until a store
 * is opened.
 */
class FactoryLoadsNoSdkTest {

    @Test
    void askingTheFactoryForItsSettingsLoadsNoAzureClass() throws Exception {
        List<String> azure = new CopyOnWriteArrayList<>();
        try (Recording loader = new Recording(azure)) {
            Object factory = loader.loadClass(AzureBlobStoreFactory.class.getName()).getConstructor().newInstance();
            Class<?> type = factory.getClass();
            assertEquals("azblob", type.getMethod("name").invoke(factory));
            assertEquals(Set.of("azblob"), type.getMethod("schemes").invoke(factory));
            type.getMethod("settingKeys").invoke(factory);
            type.getMethod("sensitiveKeys").invoke(factory);
            type.getMethod("locationProblem", String.class).invoke(factory, "azblob://c/p");
        }
        assertTrue(azure.isEmpty(), "Azure SDK classes loaded by the factory: " + azure);
    }

    /** Loads this module's and its libraries' classes itself (not from the test's loader) and records Azure ones. */
    private static final class Recording extends URLClassLoader {
        private final List<String> azure;

        Recording(List<String> azure) throws Exception {
            super(classPath(), ClassLoader.getPlatformClassLoader());
            this.azure = azure;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith("com.azure.")) {
                azure.add(name);
            }
            return super.findClass(name);
        }

        private static URL[] classPath() throws Exception {
            List<URL> urls = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                urls.add(Path.of(entry).toUri().toURL());
            }
            return urls.toArray(URL[]::new);
        }
    }
}
