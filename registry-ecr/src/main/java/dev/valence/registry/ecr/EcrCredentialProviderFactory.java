package dev.valence.registry.ecr;

import dev.valence.api.Settings;
import dev.valence.spi.CredentialProvider;
import dev.valence.spi.CredentialProviderFactory;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Credentials for Amazon ECR registries ({@code <account>.dkr.ecr.<region>.amazonaws.com}) from an
 * ECR authorization token (AWS SDK v2, default AWS credentials chain), cached until it expires; also
 * creates a missing ECR repository before a push. Asked after the settings file and Docker config.
 */
public final class EcrCredentialProviderFactory implements CredentialProviderFactory {

    /** A registry host to treat as ECR besides {@code *.dkr.ecr.*.amazonaws.com} (a stand-in, a proxy). */
    static final String REGISTRY_HOST = "ecr_registry_host";
    /** The ECR API endpoint to use instead of the region's (a VPC endpoint, a stand-in in tests). */
    static final String ENDPOINT = "ecr_endpoint";

    @Override
    public String name() {
        return "ecr";
    }

    @Override
    public int priority() {
        return 300;
    }

    @Override
    public Map<String, String> settingKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(REGISTRY_HOST, "");
        keys.put(ENDPOINT, "");
        return keys;
    }

    @Override
    public CredentialProvider create(Settings settings) {
        return new EcrCredentialProvider(settings, Clock.systemUTC());
    }
}
