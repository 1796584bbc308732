package dev.valence.store.azure;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import reactor.core.publisher.Mono;

/**
 * A TLS handshake refused because no trusted CA signed the endpoint's certificate. Not an
 * {@code IOException} and without a cause (the handshake's exception is suppressed), so the storage
 * retry policy, which retries any {@code IOException} in the cause chain, gives up at once: no retry
 * can make the certificate trusted, and retrying cost ~40 s before the error.
 */
final class UntrustedCertificate extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UntrustedCertificate(Throwable handshake) {
        super(String.valueOf(handshake.getMessage()), null, true, false);
        addSuppressed(handshake);
    }

    /** A per-try policy turning a certificate-trust failure of the HTTP client into this exception. */
    static final class Policy implements HttpPipelinePolicy {
        @Override
        public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            return next.process().onErrorMap(AzureErrors::tlsTrust, UntrustedCertificate::new);
        }

        @Override
        public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
            try {
                return next.processSync();
            } catch (RuntimeException e) {
                throw AzureErrors.tlsTrust(e) ? new UntrustedCertificate(e) : e;
            }
        }
    }
}
