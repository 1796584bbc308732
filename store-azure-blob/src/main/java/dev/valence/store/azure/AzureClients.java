package dev.valence.store.azure;

import static dev.valence.store.azure.AzureBlobStoreFactory.ACCOUNT;
import static dev.valence.store.azure.AzureBlobStoreFactory.ACCOUNT_KEY;
import static dev.valence.store.azure.AzureBlobStoreFactory.CONNECTION_STRING;
import static dev.valence.store.azure.AzureBlobStoreFactory.ENDPOINT;
import static dev.valence.store.azure.AzureBlobStoreFactory.SAS_TOKEN;

import com.azure.core.http.HttpClient;
import com.azure.core.http.okhttp.OkHttpAsyncHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.valence.api.ErrorKind;
import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.StoreLocation;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Azure SDK's clients for a store (kept out of the factory, which every command loads). */
final class AzureClients {
    private static final Logger LOG = LoggerFactory.getLogger(AzureClients.class);

    private AzureClients() {
    }

    static ArtifactStore open(Settings settings, boolean check) {
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
     * The OkHttp client: the shared one, or with {@code ca_bundle_file} one of the store's own whose TLS
     * trusts the bundle's CAs besides the JRE's (the file is read now, so a bad one fails at open). Not
     * the JDK's client: its selector thread waits in native code, and the JVM waits 0.3 s for such a
     * thread at every exit — every command on this store, and every task pod's exit.
     */
    private static HttpClient http(Settings settings) {
        return settings.caBundleFile().map(pem -> {
            LOG.debug("the Azure Blob client trusts the CAs in {} and the JRE's", pem);
            return new OkHttpAsyncHttpClientBuilder(CaBundleTrust.okHttp(pem)).build();
        }).orElseGet(() -> SharedHttp.CLIENT);
    }

    /** One OkHttp client for every store (its connection pool and threads are shared), made on first use. */
    private static final class SharedHttp {
        static final HttpClient CLIENT = new OkHttpAsyncHttpClientBuilder().build();
    }

    private static String value(Settings settings, String key, String envName) {
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
