package dev.valence.distribution;

import picocli.CommandLine.IVersionProvider;

/** {@code valence --version}: the version in the distribution jar's manifest, and the Java running it. */
final class VersionProvider implements IVersionProvider {

    /** Valence's version, {@code dev} when run from classes rather than the jar. */
    static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"valence " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
}
