package dev.valence.e2e;

/** The end-to-end suite with {@code cluster_client = official}. */
class OfficialClientEndToEndTest extends EndToEndTest {
    @Override
    String clusterClient() {
        return "official";
    }
}
