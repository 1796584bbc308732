package dev.valence.official;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.credentials.Authentication;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A bearer token read from a file (a kubeconfig {@code tokenFile}, a pod's projected service account
 * token): re-read every {@code refresh}, and at once when the server answers 401, so a rotated token
 * is used without waiting. client-java's {@code TokenFileAuthentication} only re-reads on its period.
 */
final class TokenFileAuth implements Authentication, Interceptor {
    private final Path file;
    private final Duration refresh;
    private final Clock clock;
    private String token;
    private Instant readAt = Instant.MIN;

    TokenFileAuth(Path file, Duration refresh, Clock clock) {
        this.file = file;
        this.refresh = refresh;
        this.clock = clock;
    }

    @Override
    public void provide(ApiClient client) {
        client.setHttpClient(client.getHttpClient().newBuilder().addInterceptor(this).build());
    }

    private synchronized String token(boolean force) throws IOException {
        Instant now = clock.instant();
        if (force || token == null || !now.isBefore(readAt.plus(refresh))) {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
            readAt = now;
        }
        return token;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        String used = token(false);
        Response response = chain.proceed(withToken(chain.request(), used));
        if (response.code() != 401) {
            return response;
        }
        String fresh = token(true);
        if (fresh.equals(used)) {
            return response;
        }
        response.close();
        return chain.proceed(withToken(chain.request(), fresh));
    }

    private static Request withToken(Request request, String token) {
        return request.newBuilder().header("Authorization", "Bearer " + token).build();
    }

    @Override
    public String toString() {
        return "TokenFileAuth[" + file + "]";
    }
}
