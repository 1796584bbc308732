package dev.valence.registry.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;
import dev.valence.spi.Credentials;
import dev.valence.spi.Plugins;
import dev.valence.tck.image.CredentialProviderContract;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class EcrCredentialProviderTest {
    private static final String ECR_HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    private static final String LOCAL_REGISTRY = "127.0.0.1:5000";
    private static final Instant NOW = Instant.parse("2030-05-01T10:00:00Z");

    private final EcrApiStandIn ecr = new EcrApiStandIn();
    private final MutableClock clock = new MutableClock(NOW);

    @AfterEach
    void stop() {
        ecr.close();
    }

    private EcrCredentialProvider provider() {
        return provider(ecr.url());
    }

    private static EcrCredentialProvider provider(String endpoint, MutableClock clock) {
        return new EcrCredentialProvider(settings(endpoint), clock);
    }

    private EcrCredentialProvider provider(String endpoint) {
        return provider(endpoint, clock);
    }

    /** Settings as the executor builds them: the factory's keys declared, the stand-in as endpoint. */
    static Settings settings(String endpoint) {
        Settings.Builder b = Settings.builder();
        new EcrCredentialProviderFactory().settingKeys().forEach(b::knownKey);
        return b.set(EcrCredentialProviderFactory.ENDPOINT, endpoint)
                .set(EcrCredentialProviderFactory.REGISTRY_HOST, LOCAL_REGISTRY)
                .region("us-east-1").build();
    }

    /** The contract, with the stand-in handing out a token for the local registry host. */
    @Nested
    class Contract extends CredentialProviderContract {
        @Override
        protected CredentialProvider provider() {
            ecr.token("AWS", "ecr-Pa55word", NOW.plus(Duration.ofHours(12)));
            return EcrCredentialProviderTest.this.provider();
        }

        @Override
        protected String knownHost() {
            return LOCAL_REGISTRY;
        }

        @Override
        protected Credentials expected() {
            return new Credentials("AWS", "ecr-Pa55word", "test");
        }
    }

    @Test
    void decodesTheTokenForAnEcrHostAskingTheRegionInTheHostName() {
        ecr.token("AWS", "pw:with:colons", NOW.plus(Duration.ofHours(12)));

        Credentials c = provider().credentialsFor(ECR_HOST).orElseThrow();

        assertEquals("AWS", c.username());
        assertEquals("pw:with:colons", c.password());
        assertTrue(c.source().startsWith("ECR authorization token (eu-west-1"), c.source());
        LoggedRequest request = ecr.requests("GetAuthorizationToken").get(0);
        assertTrue(request.getHeader("Authorization").contains("/eu-west-1/ecr/aws4_request"),
                "signed for the host's region: " + request.getHeader("Authorization"));
    }

    @Test
    void theConfiguredHostUsesTheRegionSetting() {
        ecr.token("AWS", "pw", NOW.plus(Duration.ofHours(12)));

        provider().credentialsFor(LOCAL_REGISTRY).orElseThrow();

        assertTrue(ecr.requests("GetAuthorizationToken").get(0).getHeader("Authorization")
                .contains("/us-east-1/ecr/aws4_request"));
    }

    @Test
    void otherHostsGetNothingWithoutAnAwsCall() {
        EcrCredentialProvider p = provider();

        assertEquals(Optional.empty(), p.credentialsFor("localhost:5000"));
        assertEquals(Optional.empty(), p.credentialsFor("registry-1.docker.io"));
        assertEquals(Optional.empty(), p.credentialsFor("123.dkr.ecr.eu-west-1.amazonaws.com"));
        assertEquals(0, ecr.requests("GetAuthorizationToken").size());
    }

    @Test
    void theTokenIsCachedUntilShortlyBeforeItExpiresThenRenewed() {
        ecr.token("AWS", "first", NOW.plus(Duration.ofHours(1)));
        EcrCredentialProvider p = provider();

        assertEquals("first", p.credentialsFor(ECR_HOST).orElseThrow().password());
        clock.set(NOW.plus(Duration.ofMinutes(54)));
        assertEquals("first", p.credentialsFor(ECR_HOST).orElseThrow().password());
        assertEquals(1, ecr.requests("GetAuthorizationToken").size(), "served from the cache");

        ecr.token("AWS", "second", NOW.plus(Duration.ofHours(13)));
        clock.set(NOW.plus(Duration.ofMinutes(56)));

        assertEquals("second", p.credentialsFor(ECR_HOST).orElseThrow().password());
        assertEquals(2, ecr.requests("GetAuthorizationToken").size(), "renewed within "
                + EcrCredentialProvider.RENEW_BEFORE_EXPIRY + " of expiry");
    }

    @Test
    void createsAMissingRepositoryWithScanOnPushAndMutableTags() {
        ecr.repositoryMissing("valence-task");

        provider().ensureRepository(ECR_HOST, "valence-task");

        assertEquals(1, ecr.requests("DescribeRepositories").size());
        List<LoggedRequest> created = ecr.requests("CreateRepository");
        assertEquals(1, created.size());
        String body = created.get(0).getBodyAsString();
        assertTrue(body.contains("\"repositoryName\":\"valence-task\""), body);
        assertTrue(body.contains("\"scanOnPush\":true"), body);
        assertTrue(body.contains("\"imageTagMutability\":\"MUTABLE\""), body);
    }

    @Test
    void leavesAnExistingRepositoryAlone() {
        ecr.repositoryExists("valence-task");

        provider().ensureRepository(ECR_HOST, "valence-task");

        assertEquals(1, ecr.requests("DescribeRepositories").size());
        assertTrue(ecr.requests("DescribeRepositories").get(0).getBodyAsString().contains("\"valence-task\""));
        assertEquals(0, ecr.requests("CreateRepository").size());
    }

    @Test
    void ensureRepositoryIgnoresOtherRegistries() {
        provider().ensureRepository("localhost:5000", "valence-task");

        assertEquals(0, ecr.requests("DescribeRepositories").size());
    }

    @Test
    void accessDeniedIsAPermissionErrorNamingTheAction() {
        ecr.error("GetAuthorizationToken", 400, "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken");

        ValenceException e = assertThrows(ValenceException.class, () -> provider().credentialsFor(ECR_HOST));

        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertTrue(e.getMessage().contains("ecr:GetAuthorizationToken"), e.getMessage());
        assertTrue(e.getMessage().contains(ECR_HOST) && e.getMessage().contains("eu-west-1"), e.getMessage());
        assertTrue(e.getMessage().contains("AccessDeniedException"), e.getMessage());
    }

    @Test
    void deniedRepositoryCreationNamesCreateRepository() {
        ecr.error("DescribeRepositories", 400, "RepositoryNotFoundException", "missing");
        ecr.error("CreateRepository", 400, "AccessDeniedException", "not authorized to perform: ecr:CreateRepository");

        ValenceException e = assertThrows(ValenceException.class,
                () -> provider().ensureRepository(ECR_HOST, "valence-task"));

        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertTrue(e.getMessage().contains("ecr:CreateRepository") && e.getMessage().contains("valence-task"),
                e.getMessage());
    }

    @Test
    void anUnreachableEcrApiIsNamed() {
        String closed = "http://127.0.0.1:" + closedPort();

        ValenceException e = assertThrows(ValenceException.class,
                () -> provider(closed).credentialsFor(ECR_HOST));

        assertEquals(ErrorKind.IMAGE, e.kind());
        assertTrue(e.getMessage().contains(closed), e.getMessage());
    }

    @Test
    void aTokenThatIsNotUserColonPasswordIsAnErrorWithoutTheToken() {
        String notAPair = Base64.getEncoder().encodeToString("justonefield".getBytes(StandardCharsets.UTF_8));
        ecr.tokenRaw(notAPair, NOW.plus(Duration.ofHours(1)));

        ValenceException e = assertThrows(ValenceException.class, () -> provider().credentialsFor(ECR_HOST));

        assertEquals(ErrorKind.IMAGE, e.kind());
        assertTrue(e.getMessage().contains("is not user:password"), e.getMessage());
        assertFalse(e.getMessage().contains("justonefield") || e.getMessage().contains(notAPair), e.getMessage());
    }

    @Test
    void aBadEndpointSettingIsAConfigError() {
        ValenceException e = assertThrows(ValenceException.class, () -> provider("not a url"));

        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("ecr_endpoint 'not a url'"), e.getMessage());
    }

    @Test
    void isDiscoveredAfterTheOtherProvidersWithItsSettingKeys() {
        List<CredentialProviderFactory> providers = Plugins.load(getClass().getClassLoader()).credentialProviders();

        CredentialProviderFactory f = providers.stream().filter(p -> p.name().equals("ecr")).findFirst().orElseThrow();
        assertEquals(300, f.priority());
        assertEquals(List.of("ecr_registry_host", "ecr_endpoint"), List.copyOf(f.settingKeys().keySet()));
        assertTrue(f.create(settings(ecr.url())).description().contains(LOCAL_REGISTRY));
    }

    private static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
