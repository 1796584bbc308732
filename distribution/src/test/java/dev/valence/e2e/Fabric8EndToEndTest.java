package dev.valence.e2e;

/** The end-to-end suite with {@code cluster_client = fabric8}. */
class Fabric8EndToEndTest extends EndToEndTest {
    @Override
    String clusterClient() {
        return "fabric8";
    }
}
