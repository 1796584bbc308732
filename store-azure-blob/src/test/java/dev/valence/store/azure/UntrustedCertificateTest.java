package dev.valence.store.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** An untrusted server certificate is not retried by the storage retry policy (it was: four tries, ~40 s). */
class UntrustedCertificateTest {
    private static final String PKIX = "PKIX path building failed: unable to find valid certification path to requested target";

    /** An HTTP client whose every handshake is refused for trust, counting the tries. */
    private static final class RefusingHttpClient implements HttpClient {
        final AtomicInteger tries = new AtomicInteger();

        @Override
        public Mono<HttpResponse> send(HttpRequest request) {
            tries.incrementAndGet();
            return Mono.error(new SSLHandshakeException(PKIX));
        }

        @Override
        public HttpResponse sendSync(HttpRequest request, Context context) {
            tries.incrementAndGet();
            throw new UncheckedIOException(new SSLHandshakeException(PKIX));
        }
    }

    private static BlobServiceClientBuilder builder(RefusingHttpClient http) {
        return new BlobServiceClientBuilder().endpoint("https://acct.blob.core.windows.net")
                .credential(new StorageSharedKeyCredential("acct", AzuriteBed.KEY)).httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 4, (Integer) null, 1L, 1L, null));
    }

    @Test
    void aTrustFailureIsTriedOnceBySyncAndAsyncClients() {
        RefusingHttpClient http = new RefusingHttpClient();
        BlobServiceClientBuilder b = builder(http).addPolicy(new UntrustedCertificate.Policy());
        RuntimeException sync = assertThrows(RuntimeException.class, () -> b.buildClient().getBlobContainerClient("c").exists());
        assertEquals(1, http.tries.get(), "sync tries");
        assertTrue(AzureErrors.tlsTrust(sync), String.valueOf(sync));
        RuntimeException async = assertThrows(RuntimeException.class,
                () -> b.buildAsyncClient().getBlobContainerAsyncClient("c").exists().block());
        assertEquals(2, http.tries.get(), "async tries");
        assertTrue(AzureErrors.tlsTrust(async), String.valueOf(async));
    }

    @Test
    void withoutThePolicyTheStorageRetryPolicyTriesFourTimes() {
        // The reason for the policy: the retry policy retries any IOException in the cause chain.
        RefusingHttpClient http = new RefusingHttpClient();
        assertThrows(RuntimeException.class, () -> builder(http).buildClient().getBlobContainerClient("c").exists());
        assertEquals(4, http.tries.get());
    }
}
