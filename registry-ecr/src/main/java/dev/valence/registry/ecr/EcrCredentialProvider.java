package dev.valence.registry.ecr;

import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.Credentials;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.EcrClientBuilder;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;

/**
 * ECR credentials: {@code GetAuthorizationToken} decoded to {@code AWS:<password>}, cached per
 * region until shortly before the token expires. Answers only for ECR registry hosts (and the
 * configured {@code ecr_registry_host}); every other host gets nothing, without an AWS call.
 */
final class EcrCredentialProvider implements CredentialProvider, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EcrCredentialProvider.class);

    /** {@code <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]}. */
    private static final Pattern ECR_HOST = Pattern.compile(
            "^(\\d{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?$");
    /** A token is renewed this long before it expires, so that a push never starts with a dying token. */
    static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);

    private record Token(Credentials credentials, Instant expiresAt) {
    }

    private final Optional<String> extraHost;
    private final Optional<URI> endpoint;
    private final Optional<String> regionSetting;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, EcrClient> clients = new ConcurrentHashMap<>();

    EcrCredentialProvider(Settings settings, Clock clock) {
        this.extraHost = settings.getString(EcrCredentialProviderFactory.REGISTRY_HOST)
                .map(h -> h.trim().toLowerCase(Locale.ROOT));
        this.endpoint = settings.getString(EcrCredentialProviderFactory.ENDPOINT).map(e -> endpoint(e.trim()));
        this.regionSetting = settings.region();
        this.clock = clock;
    }

    private static URI endpoint(String value) {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() != null && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw ValenceException.config(EcrCredentialProviderFactory.ENDPOINT, value,
                "expected an http(s) URL such as https://api.ecr.us-east-1.amazonaws.com, or empty for the region's");
    }

    @Override
    public Optional<Credentials> credentialsFor(String registryHost) {
        Optional<String> region = regionFor(registryHost);
        if (region.isEmpty()) {
            return Optional.empty();
        }
        Token token = tokens.compute(region.get(), (r, cached) ->
                cached != null && clock.instant().isBefore(cached.expiresAt().minus(RENEW_BEFORE_EXPIRY))
                        ? cached : fetchToken(registryHost, r));
        return Optional.of(token.credentials());
    }

    @Override
    public void ensureRepository(String registryHost, String repository) {
        Optional<String> region = regionFor(registryHost);
        if (region.isEmpty()) {
            return;
        }
        EcrClient ecr = client(region.get());
        try {
            ecr.describeRepositories(r -> r.repositoryNames(repository));
            LOG.debug("ECR repository {} exists in {}", repository, region.get());
            return;
        } catch (RepositoryNotFoundException missing) {
            LOG.debug("ECR repository {} not found in {}: creating it", repository, region.get());
        } catch (SdkException e) {
            throw failure(e, "ecr:DescribeRepositories", registryHost, region.get(), "repository " + repository);
        }
        try {
            ecr.createRepository(r -> r.repositoryName(repository)
                    .imageScanningConfiguration(c -> c.scanOnPush(true))
                    .imageTagMutability(ImageTagMutability.MUTABLE));
            LOG.info("created ECR repository {} in {} ({})", repository, region.get(), registryHost);
        } catch (RepositoryAlreadyExistsException raced) {
            LOG.debug("ECR repository {} was created meanwhile", repository);
        } catch (SdkException e) {
            throw failure(e, "ecr:CreateRepository", registryHost, region.get(), "repository " + repository);
        }
    }

    @Override
    public String description() {
        return "Amazon ECR authorization token (AWS default credentials chain) for *.dkr.ecr.<region>.amazonaws.com"
                + extraHost.map(h -> " and " + h).orElse("")
                + endpoint.map(e -> " via " + e).orElse("");
    }

    @Override
    public String toString() {
        return "EcrCredentialProvider[" + description() + "]";
    }

    /** Closes the ECR clients. */
    @Override
    public void close() {
        clients.values().forEach(EcrClient::close);
        clients.clear();
    }

    /** The region to ask for a registry host, or empty when the host is not one this provider serves. */
    Optional<String> regionFor(String registryHost) {
        String host = registryHost.trim().toLowerCase(Locale.ROOT);
        Matcher m = ECR_HOST.matcher(host);
        if (m.matches()) {
            return Optional.of(m.group(2));
        }
        if (extraHost.isPresent() && extraHost.get().equals(host)) {
            return Optional.of(regionSetting.orElseGet(() -> defaultRegion(host)));
        }
        return Optional.empty();
    }

    private static String defaultRegion(String host) {
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (SdkException e) {
            throw new ValenceException(ErrorKind.CONFIG, "no AWS region for ECR registry " + host + " ("
                    + EcrCredentialProviderFactory.REGISTRY_HOST + "): set region, or AWS_REGION", e);
        }
    }

    private Token fetchToken(String registryHost, String region) {
        AuthorizationData data;
        try {
            data = client(region).getAuthorizationToken(r -> { }).authorizationData().stream().findFirst()
                    .orElseThrow(() -> new ValenceException(ErrorKind.IMAGE, "ECR answered GetAuthorizationToken in "
                            + region + " without authorization data (for " + registryHost + ")"));
        } catch (SdkException e) {
            throw failure(e, "ecr:GetAuthorizationToken", registryHost, region, "a registry token");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(data.authorizationToken()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ValenceException(ErrorKind.IMAGE, "ECR authorization token for " + registryHost
                    + " is not base64 (region " + region + ")");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw new ValenceException(ErrorKind.IMAGE, "ECR authorization token for " + registryHost
                    + " is not user:password (region " + region + ")");
        }
        Instant expiresAt = data.expiresAt() != null ? data.expiresAt() : clock.instant().plus(Duration.ofHours(12));
        LOG.debug("ECR token for {} in {} valid until {}", registryHost, region, expiresAt);
        Credentials creds = new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1),
                "ECR authorization token (" + region + ", expires " + expiresAt + ")");
        return new Token(creds, expiresAt);
    }

    private EcrClient client(String region) {
        return clients.computeIfAbsent(region, r -> {
            EcrClientBuilder b = EcrClient.builder().region(Region.of(r));
            endpoint.ifPresent(b::endpointOverride);
            return b.build();
        });
    }

    private ValenceException failure(SdkException e, String action, String host, String region, String what) {
        if (e instanceof AwsServiceException aws) {
            String code = aws.awsErrorDetails() == null ? "" : aws.awsErrorDetails().errorCode();
            String detail = code + ": " + (aws.awsErrorDetails() == null ? aws.getMessage() : aws.awsErrorDetails().errorMessage());
            if (aws.statusCode() == 403 || code.startsWith("AccessDenied") || code.equals("UnrecognizedClientException")
                    || code.equals("InvalidSignatureException") || code.equals("ExpiredTokenException")) {
                return new ValenceException(ErrorKind.PERMISSION, "AWS denied " + action + " for " + what + " on ECR "
                        + host + " in " + region + " (" + detail + "); check that the AWS identity in use may call "
                        + action, e);
            }
            return new ValenceException(ErrorKind.IMAGE, action + " for " + what + " on ECR " + host + " in " + region
                    + " failed (" + detail + ")", e);
        }
        return new ValenceException(ErrorKind.IMAGE, action + " for " + what + " on ECR " + host + " in " + region
                + " failed: " + e.getMessage() + "; check the AWS credentials and that "
                + endpoint.map(URI::toString).orElse("the ECR API of " + region) + " is reachable", e);
    }
}
