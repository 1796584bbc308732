package dev.valence.registry.ecr;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Test stand-in for the ECR JSON API (WireMock on a loopback port): answers
 * GetAuthorizationToken, DescribeRepositories and CreateRepository as ECR does, so the AWS SDK
 * can be pointed at it with {@code endpointOverride}.
 */
final class EcrApiStandIn implements AutoCloseable {
    static final String TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
    private static final String JSON = "application/x-amz-json-1.1";

    private final WireMockServer server =
            new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());

    EcrApiStandIn() {
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Every GetAuthorizationToken answers this token (replacing earlier answers). */
    void token(String user, String password, Instant expiresAt) {
        tokenRaw(Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)), expiresAt);
    }

    /** Every GetAuthorizationToken answers this (base64) token. */
    void tokenRaw(String token, Instant expiresAt) {
        answer("GetAuthorizationToken", 200, "{\"authorizationData\":[{\"authorizationToken\":\"" + token
                + "\",\"expiresAt\":" + expiresAt.getEpochSecond() + ",\"proxyEndpoint\":\"https://example\"}]}");
    }

    /** The repository exists: DescribeRepositories lists it. */
    void repositoryExists(String name) {
        answer("DescribeRepositories", 200, "{\"repositories\":[{\"repositoryName\":\"" + name
                + "\",\"repositoryUri\":\"123456789012.dkr.ecr.us-east-1.amazonaws.com/" + name + "\"}]}");
    }

    /** The repository is missing: DescribeRepositories fails, CreateRepository succeeds. */
    void repositoryMissing(String name) {
        error("DescribeRepositories", 400, "RepositoryNotFoundException",
                "The repository with name '" + name + "' does not exist in the registry with id '123456789012'");
        answer("CreateRepository", 200, "{\"repository\":{\"repositoryName\":\"" + name + "\"}}");
    }

    /** The action fails with an AWS error. */
    void error(String action, int status, String type, String message) {
        answer(action, status, "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
    }

    private void answer(String action, int status, String body) {
        server.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(TARGET_PREFIX + action))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", JSON).withBody(body)));
    }

    /** Requests received for one action. */
    List<LoggedRequest> requests(String action) {
        return server.findAll(calls(action));
    }

    static RequestPatternBuilder calls(String action) {
        return postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(TARGET_PREFIX + action));
    }

    @Override
    public void close() {
        server.stop();
    }
}
