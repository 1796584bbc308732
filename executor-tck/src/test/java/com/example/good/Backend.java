package com.example.good;

/** The backend library, used inside the adapter only. */
final class Backend {
    private Backend() {
    }

    static String masterUrl() {
        return io.fabric8.kubernetes.client.Config.empty().getMasterUrl();
    }
}
