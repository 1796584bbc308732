package dev.valence.store.azure;

import dev.valence.api.Settings;
import dev.valence.api.ValenceException;
import dev.valence.spi.ArtifactStore;
import dev.valence.spi.ArtifactStoreFactory;
import java.util.Map;
import java.util.Set;

/**
 * The Azure Blob store: {@code data_store = azblob://container/prefix}; the account and its key or
 * SAS token from settings or the standard {@code AZURE_STORAGE_*} variables, or a whole connection
 * string ({@code azure_connection_string}). Talks HTTP through the JDK client (no Netty). No Azure type is
 * named here: the SDK's jars are signed, and verifying one costs every command that lists the stores ~50 ms.
 */
public final class AzureBlobStoreFactory implements ArtifactStoreFactory {
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
        return AzureClients.open(settings, true);
    }

    /** The clients without the first listing: nothing is sent until the store is used. */
    @Override
    public ArtifactStore describe(Settings settings) {
        return AzureClients.open(settings, false);
    }

}
