package dev.valence.benchmarks;

/** Keeps the libraries' logs out of a report: SLF4J simple at WARN unless the user set a level. */
final class Logging {
    private Logging() {
    }

    /** Call first in {@code main}, before any logger exists. */
    static void quiet() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // fabric8's Vert.x client, closed with the mock server, reports its shut-down event loop at ERROR
        System.setProperty("org.slf4j.simpleLogger.log.io.netty.util.concurrent.DefaultPromise.rejectedExecution", "off");
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    }
}
