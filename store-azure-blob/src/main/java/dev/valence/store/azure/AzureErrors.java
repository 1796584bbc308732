package dev.valence.store.azure;

import dev.valence.spi.StoreLocation;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import java.util.List;

/** Turns Azure SDK exceptions into {@code STORE} errors that say what failed, where, and what to check; never a secret. */
final class AzureErrors {
    private final StoreLocation where;
    private final String account;
    private final String endpoint;
    private final List<String> secrets;

    AzureErrors(StoreLocation where, String account, String endpoint, List<String> secrets) {
        this.where = where;
        this.account = account;
        this.endpoint = endpoint;
        this.secrets = secrets.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** A {@code STORE} error for {@code what} (e.g. "writing azblob://c/p/k") failing with {@code e}. */
    ValenceException translate(String what, Throwable e) {
        return new ValenceException(ErrorKind.STORE, redact(what + " failed: " + reason(e)), e);
    }

    /** The container, account and endpoint, for messages. */
    String container() {
        return "Azure container '" + where.root() + "' in account '" + account + "' at " + endpoint;
    }

    private String reason(Throwable e) {
        if (e instanceof BlobStorageException b) {
            String detail = b.getStatusCode() + " " + b.getErrorCode() + ": " + firstLine(b.getServiceMessage());
            if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(b.getErrorCode())) {
                return container() + " does not exist; create it (az storage container create --account-name " + account
                        + " --name " + where.root() + ") or fix data_store '" + where + "'";
            }
            if (b.getStatusCode() == 403) {
                return "access to " + container() + " was denied (403 " + b.getErrorCode() + "); check the account key, SAS token or"
                        + " connection string, and that it may read, write, list and delete blobs";
            }
            return container() + " answered " + detail;
        }
        if (tlsTrust(e)) {
            return "the TLS certificate of " + endpoint + " is not trusted (" + tlsMessage(e) + "); if it is signed by a private CA,"
                    + " set ca_bundle_file to the CA's PEM file for this client, and ca_bundle (secret:<name>/<key> or"
                    + " configmap:<name>/<key>) for pods";
        }
        return "cannot reach " + container() + ": " + e + "; check the endpoint and the network";
    }

    /** Whether a TLS handshake failed because no trusted CA signed the server's certificate. */
    static boolean tlsTrust(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UntrustedCertificate || t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.cert.CertPathValidatorException
                    || String.valueOf(t.getMessage()).contains("PKIX path")) {
                return true;
            }
        }
        return false;
    }

    private static String tlsMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UntrustedCertificate || t instanceof javax.net.ssl.SSLHandshakeException) {
                return t.getMessage();
            }
        }
        return String.valueOf(e.getMessage());
    }

    /** The text with every secret value replaced by {@code ****}. */
    String redact(String text) {
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, "****");
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
