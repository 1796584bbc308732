package dev.valence.store.azure;

import dev.valence.spi.StoreLocation;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Azure Blob store: {@code data_store = azblob://container/prefix}; the account and its key or
 * SAS token from settings or the standard {@code AZURE_STORAGE_*} variables, or a whole connection
 * string ({@code azure_connection_string}). Talks HTTP through the JDK client (no Netty).
 */
public final class AzureBlobStoreFactory implements ArtifactStoreFactory {
    private static final Logger LOG = LoggerFactory.getLogger(AzureBlobStoreFactory.class);
    /** Plugin setting (secret): a storage connection string; takes precedence over the other keys. */
    static final String CONNECTION_STRING = "azure_connection_string";
    /** Plugin setting: storage account name; default {@code AZURE_STORAGE_ACCOUNT}. */
    static final String ACCOUNT = "azure_account";
    /** Plugin setting (secret): the account's shared key; default {@code AZURE_STORAGE_KEY}. */
    static final String ACCOUNT_KEY = "azure_account_key";
    /** Plugin setting (secret): a SAS token for the account or container; default {@code AZURE_STORAGE_SAS_TOKEN}. */
    static final String SAS_TOKEN = "azure_sas_token";
    /** Plugin setting: the blob endpoint; default {@code https://<account>.blob.core.windows.net}. */
    static final String ENDPOINT = "azure_blob_endpoint";

    /** A factory; the {@code AZURE_STORAGE_*} defaults come from {@link Settings#environmentVariable}. */
    public AzureBlobStoreFactory() {
    }

    @Override
    public String name() {
        return "azblob";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("azblob");
    }

    @Override
    public Map<String, String> settingKeys() {
        return Map.of(CONNECTION_STRING, "", ACCOUNT, "", ACCOUNT_KEY, "", SAS_TOKEN, "", ENDPOINT, "");
    }

    @Override
    public Set<String> sensitiveKeys() {
        return Set.of(CONNECTION_STRING, ACCOUNT_KEY, SAS_TOKEN);
    }

    @Override
    public java.util.Optional<String> locationProblem(String dataStore) {
        try {
            AzureLocation.parse(dataStore);
            return java.util.Optional.empty();
        } catch (ValenceException e) {
            return java.util.Optional.of(AzureLocation.ACCEPTED);
        }
    }

    @Override
    public ArtifactStore create(Settings settings) {
        return open(settings, true);
    }

    /** The clients without the first listing: nothing is sent until the store is used. */
    @Override
    public ArtifactStore describe(Settings settings) {
        return open(settings, false);
    }

    private ArtifactStore open(Settings settings, boolean check) {
        StoreLocation where = AzureLocation.parse(settings.dataStore());
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().httpClient(http(settings))
                .addPolicy(new UntrustedCertificate.Policy());
        List<String> secrets = new ArrayList<>();
        String endpointSetting = value(settings, ENDPOINT, null);
        String connectionString = value(settings, CONNECTION_STRING, "AZURE_STORAGE_CONNECTION_STRING");
        if (!connectionString.isEmpty()) {
            secrets.add(connectionString);
            try {
                builder.connectionString(connectionString);
            } catch (IllegalArgumentException e) {
                throw ValenceException.config(CONNECTION_STRING, "****", "expected an Azure storage connection string"
                        + " (DefaultEndpointsProtocol=https;AccountName=<name>;AccountKey=<key>;EndpointSuffix="
                        + "core.windows.net, or with BlobEndpoint= and SharedAccessSignature=)");
            }
        } else {
            String account = value(settings, ACCOUNT, "AZURE_STORAGE_ACCOUNT");
            if (account.isEmpty()) {
                throw new ValenceException(ErrorKind.CONFIG, "no Azure storage account for data_store '" + where
                        + "': set " + ACCOUNT + " (or AZURE_STORAGE_ACCOUNT) with " + ACCOUNT_KEY + " (AZURE_STORAGE_KEY) or "
                        + SAS_TOKEN + " (AZURE_STORAGE_SAS_TOKEN), or set " + CONNECTION_STRING);
            }
            String key = value(settings, ACCOUNT_KEY, "AZURE_STORAGE_KEY");
            String sas = value(settings, SAS_TOKEN, "AZURE_STORAGE_SAS_TOKEN");
            if (!key.isEmpty()) {
                secrets.add(key);
                if (!isBase64(key)) {
                    throw ValenceException.config(ACCOUNT_KEY, "****", "expected the base64 shared key of account '"
                            + account + "' (az storage account keys list)");
                }
                builder.credential(new StorageSharedKeyCredential(account, key));
            } else if (!sas.isEmpty()) {
                secrets.add(sas);
                builder.sasToken(sas);
            } else {
                throw new ValenceException(ErrorKind.CONFIG, "no credential for Azure storage account '" + account
                        + "' (data_store '" + where + "'): set " + ACCOUNT_KEY + " (or AZURE_STORAGE_KEY), " + SAS_TOKEN
                        + " (or AZURE_STORAGE_SAS_TOKEN), or " + CONNECTION_STRING);
            }
            builder.endpoint(endpointSetting.isEmpty() ? defaultEndpoint(account) : endpoint(endpointSetting));
        }
        if (!connectionString.isEmpty() && !endpointSetting.isEmpty()) {
            builder.endpoint(endpoint(endpointSetting));
        }
        BlobServiceClient service = builder.buildClient();
        String account = service.getAccountName();
        String endpoint = trimSlash(service.getAccountUrl());
        AzureErrors errors = new AzureErrors(where, account, endpoint, secrets);
        BlobContainerClient container = service.getBlobContainerClient(where.root());
        try {
            if (!check) {
                LOG.debug("Azure Blob data store {} described, not opened (dry run)", where);
                return new AzureBlobArtifactStore(container, builder.buildAsyncClient().getBlobContainerAsyncClient(
                        where.root()), where, errors, account, endpoint, endpoint.equals(defaultEndpoint(account)),
                        settings.caBundle());
            }
            // Listing needs only the permission the store needs anyway (a container SAS with 'l' will do).
            container.listBlobs(new ListBlobsOptions().setPrefix(where.folder("")).setMaxResultsPerPage(1), null)
                    .iterator().hasNext();
        } catch (RuntimeException e) {
            throw errors.translate("opening data_store '" + where + "'", e);
        }
        LOG.debug("Azure Blob data store {} in account {} at {}", where, account, endpoint);
        return new AzureBlobArtifactStore(container, builder.buildAsyncClient().getBlobContainerAsyncClient(where.root()),
                where, errors, account, endpoint, endpoint.equals(defaultEndpoint(account)), settings.caBundle());
    }

    /**
     * The JDK HTTP client: the shared one, or with {@code ca_bundle_file} one of the store's own whose TLS
     * trusts the bundle's CAs besides the JRE's (the file is read now, so a bad one fails at open).
     */
    private static HttpClient http(Settings settings) {
        return settings.caBundleFile().map(pem -> {
            LOG.debug("the Azure Blob client trusts the CAs in {} and the JRE's", pem);
            return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(CaBundleTrust.context(pem)))
                    .build();
        }).orElseGet(() -> SharedHttp.CLIENT);
    }

    /** One JDK HTTP client for every store (its connection pool and selector thread are shared), made on first use. */
    private static final class SharedHttp {
        static final HttpClient CLIENT = new JdkHttpClientBuilder().build();
    }

    private String value(Settings settings, String key, String envName) {
        String v = settings.getString(key).orElse("").trim();
        if (v.isEmpty() && envName != null) {
            v = settings.environmentVariable(envName).orElse("").trim();
        }
        return v;
    }

    private static String defaultEndpoint(String account) {
        return "https://" + account + ".blob.core.windows.net";
    }

    private static String endpoint(String value) {
        String accepted = "expected the http or https URL of the account's blob service, such as"
                + " https://<account>.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1";
        try {
            URI uri = URI.create(value);
            if (uri.getHost() == null || !("http".equalsIgnoreCase(uri.getScheme())
                    || "https".equalsIgnoreCase(uri.getScheme()))) {
                throw ValenceException.config(ENDPOINT, value, accepted);
            }
        } catch (IllegalArgumentException e) {
            throw ValenceException.config(ENDPOINT, value, accepted);
        }
        return trimSlash(value);
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static boolean isBase64(String s) {
        try {
            Base64.getDecoder().decode(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
