package dev.valence.store.s3;

import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * The credentials a pod signs its S3 requests with: the pod's env ({@code AWS_ACCESS_KEY_ID},
 * {@code AWS_SECRET_ACCESS_KEY}, optional {@code AWS_SESSION_TOKEN}, as an {@code env_from_secrets} Secret
 * gives them) when set, read once; else the SDK's default chain (web identity for IRSA, profile, container or
 * instance role), built on the first request and asked on every one, so it refreshes what expires.
 */
final class PodCredentials {
    private PodCredentials() {
    }

    static Supplier<AwsCredentialsIdentity> of(Map<String, String> env, S3Errors errors, String store) {
        String id = env.getOrDefault("AWS_ACCESS_KEY_ID", "");
        String secret = env.getOrDefault("AWS_SECRET_ACCESS_KEY", "");
        String token = env.getOrDefault("AWS_SESSION_TOKEN", "");
        if (!id.isBlank() && !secret.isBlank()) {
            AwsCredentialsIdentity identity = token.isBlank() ? AwsCredentialsIdentity.create(id, secret)
                    : AwsSessionCredentialsIdentity.create(id, secret, token);
            return () -> identity;
        }
        return new Chain(errors, store);
    }

    /** The SDK's default chain, started on first use; no credentials found is a {@code STORE} error saying where it looked. */
    private static final class Chain implements Supplier<AwsCredentialsIdentity> {
        private final S3Errors errors;
        private final String store;
        private volatile DefaultCredentialsProvider provider;

        Chain(S3Errors errors, String store) {
            this.errors = errors;
            this.store = store;
        }

        @Override
        public AwsCredentialsIdentity get() {
            DefaultCredentialsProvider p = provider;
            if (p == null) {
                synchronized (this) {
                    if (provider == null) {
                        provider = DefaultCredentialsProvider.builder().build();
                    }
                    p = provider;
                }
            }
            try {
                return p.resolveCredentials();
            } catch (SdkException e) {
                throw errors.translate("opening data_store '" + store + "' in the pod", e);
            }
        }
    }
}
