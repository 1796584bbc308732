package dev.valence.core;

/** Valence's own version, from the jar manifest (or {@code dev} when run from classes). */
final class Versions {
    private Versions() {
    }

    static String valence() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
