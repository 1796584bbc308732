package dev.valence.store.s3;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute;
import software.amazon.awssdk.awscore.endpoints.authscheme.SigV4AuthScheme;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/**
 * The endpoint of a request to an {@code s3_endpoint} with path-style addressing — {@code <endpoint>/<bucket>},
 * SigV4 for {@code s3} in the region, no double encoding — what the SDK's S3 endpoint rules answer for it,
 * without loading and running those rules (about 0.1 s of CPU on a pod's first request). Anything else
 * (no bucket, an ARN, acceleration, FIPS, dual-stack, S3 Express) goes to the SDK's rules, loaded then.
 * {@code S3StoreTest} compares the two for the store's requests.
 */
final class PathStyleEndpoints implements S3EndpointProvider {
    private volatile S3EndpointProvider rules;

    @Override
    public CompletableFuture<Endpoint> resolveEndpoint(S3EndpointParams p) {
        String bucket = p.bucket();
        if (p.endpoint() == null || bucket == null || bucket.isEmpty() || bucket.contains(":") || bucket.contains("/")
                || !Boolean.TRUE.equals(p.forcePathStyle()) || p.region() == null || on(p.accelerate())
                || on(p.useFips()) || on(p.useDualStack()) || on(p.useObjectLambdaEndpoint())
                || on(p.useS3ExpressControlEndpoint())) {
            return rules().resolveEndpoint(p);
        }
        String base = p.endpoint().endsWith("/") ? p.endpoint().substring(0, p.endpoint().length() - 1) : p.endpoint();
        return CompletableFuture.completedFuture(Endpoint.builder()
                .url(URI.create(base + "/" + bucket))
                .putAttribute(AwsEndpointAttribute.AUTH_SCHEMES, List.of(SigV4AuthScheme.builder().signingName("s3")
                        .signingRegion(p.region().id()).disableDoubleEncoding(true).build()))
                .build());
    }

    private static boolean on(Boolean b) {
        return Boolean.TRUE.equals(b);
    }

    private S3EndpointProvider rules() {
        S3EndpointProvider r = rules;
        if (r == null) {
            r = S3EndpointProvider.defaultProvider();
            rules = r;
        }
        return r;
    }
}
