package dev.valence.store.s3;

import dev.valence.spi.StoreLocation;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Turns AWS SDK exceptions, and S3's answers to the pod's own client, into {@code STORE} errors that say what failed, where, and what to check. */
final class S3Errors {
    private final StoreLocation where;
    private final String region;
    private final String endpoint;

    S3Errors(StoreLocation where, String region, String endpoint) {
        this.where = where;
        this.region = region;
        this.endpoint = endpoint;
    }

    /** Where requests go, for messages: the {@code s3_endpoint} or AWS S3 in the region. */
    String endpoint() {
        return endpoint.isEmpty() ? "AWS S3 in " + region + " (https://s3." + region + ".amazonaws.com)" : endpoint;
    }

    /** A {@code STORE} error for {@code what} (e.g. "writing s3://b/p/k") failing with {@code e}. */
    ValenceException translate(String what, SdkException e) {
        return new ValenceException(ErrorKind.STORE, what + " failed: " + reason(e), e);
    }

    /** The same for an error answer of S3 to the pod's own client ({@link S3PodStore}): HTTP status, S3 error code, message. */
    ValenceException translate(String what, int status, String code, String message) {
        return new ValenceException(ErrorKind.STORE, what + " failed: " + answered(status, code, message));
    }

    /** The same for a request of the pod's own client that got no answer (connection refused, reset, TLS). */
    ValenceException translate(String what, java.io.IOException e) {
        return new ValenceException(ErrorKind.STORE, what + " failed: " + unanswered(e), e);
    }

    private String reason(SdkException e) {
        if (e instanceof NoSuchBucketException) {
            return answered(404, "NoSuchBucket", "");
        }
        if (e instanceof S3Exception s) {
            return answered(s.statusCode(), code(s), message(s));
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof SdkClientException && message.contains("Unable to load credentials")) {
            return "no AWS credentials found for " + bucket() + ": " + message
                    + " — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE), or give the pod a"
                    + " role (IRSA)";
        }
        return unanswered(e);
    }

    private String bucket() {
        return "S3 bucket '" + where.root() + "' at " + endpoint();
    }

    private String answered(int status, String code, String message) {
        String bucket = bucket();
        if ("NoSuchBucket".equals(code)) {
            return bucket + " does not exist; create it or fix data_store '" + where + "'";
        }
        String detail = status + (code.isEmpty() ? "" : " " + code) + ": " + message;
        if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
            return bucket + " is in another region (" + detail + "); set region to the bucket's region";
        }
        if (status == 403) {
            return "access to " + bucket + " was denied (" + detail + "); check the AWS credentials (the SDK's"
                    + " default chain: env, system properties, profile, web identity, container or instance role)"
                    + " and that they may read, write, list and delete under " + where;
        }
        if (status == 404 && code.isEmpty()) {
            return bucket + " answered 404 (" + detail + "); check that the bucket exists";
        }
        return bucket + " answered " + detail;
    }

    private String unanswered(Throwable e) {
        String message = String.valueOf(e.getMessage());
        if (tlsTrust(e)) {
            return "the TLS certificate of " + endpoint() + " is not trusted (" + message + "); if it is signed by a"
                    + " private CA, set ca_bundle_file to the CA's PEM file for this client, and ca_bundle"
                    + " (secret:<name>/<key> or configmap:<name>/<key>) for pods";
        }
        return "cannot reach " + bucket() + ": " + message + "; check the endpoint and the network";
    }

    /** Whether a TLS handshake failed because no trusted CA signed the server's certificate. */
    static boolean tlsTrust(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.cert.CertPathValidatorException
                    || String.valueOf(t.getMessage()).contains("PKIX path")) {
                return true;
            }
        }
        return false;
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? ""
                : e.awsErrorDetails().errorCode();
    }

    private static String message(S3Exception e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null ? String.valueOf(e.getMessage())
                : e.awsErrorDetails().errorMessage();
    }
}
