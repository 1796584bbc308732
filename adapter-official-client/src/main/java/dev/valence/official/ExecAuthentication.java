package dev.valence.official;

import dev.valence.api.ErrorKind;
import dev.valence.api.ValenceException;
import dev.valence.official.ExecPlugin.Credential;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.SSLUtils;
import io.kubernetes.client.util.credentials.Authentication;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Authenticates every request with what an {@link ExecPlugin} gives: a bearer token set on each
 * request (renewed when it expires, and once more after a 401, as kubectl does), or a client
 * certificate offered in the TLS handshake (renewed when it expires, for new connections).
 */
final class ExecAuthentication implements Authentication, Interceptor {
    private static final String ALIAS = "exec-plugin";
    private final ExecPlugin plugin;

    ExecAuthentication(ExecPlugin plugin) {
        this.plugin = plugin;
    }

    @Override
    public void provide(ApiClient client) {
        client.setHttpClient(client.getHttpClient().newBuilder().addInterceptor(this).build());
        client.setKeyManagers(new KeyManager[] {new PluginKeyManager()});
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Credential credential = plugin.credential();
        if (credential.token().isEmpty()) {
            return chain.proceed(chain.request());
        }
        Response response = chain.proceed(withToken(chain.request(), credential));
        if (response.code() != 401) {
            return response;
        }
        response.close();
        plugin.invalidate(credential);
        return chain.proceed(withToken(chain.request(), plugin.credential()));
    }

    private static Request withToken(Request request, Credential credential) {
        return request.newBuilder().header("Authorization", "Bearer " + credential.token().orElseThrow()).build();
    }

    /** Offers the plugin's current client certificate, if it gives one. */
    private final class PluginKeyManager extends X509ExtendedKeyManager {
        private Credential keysOf;
        private X509KeyManager keys;

        private synchronized X509KeyManager current() {
            // the interceptor, which runs before any connection is made, renews an expired credential
            Credential c = plugin.lastCredential();
            if (c.clientCertificatePem().isEmpty()) {
                return null;
            }
            if (c != keysOf) {
                byte[] cert = c.clientCertificatePem().get().getBytes(StandardCharsets.UTF_8);
                byte[] key = c.clientKeyPem().orElseThrow().getBytes(StandardCharsets.UTF_8);
                try {
                    KeyManager[] managers = SSLUtils.keyManagers(cert, key, SSLUtils.recognizePrivateKeyAlgo(key), "", null, null);
                    keys = (X509KeyManager) managers[0];
                    keysOf = c;
                } catch (GeneralSecurityException | IOException | RuntimeException e) {
                    throw new ValenceException(ErrorKind.PERMISSION, "the client certificate or key from the exec plugin '"
                            + plugin.command() + "' cannot be used (" + e.getMessage() + ")", e);
                }
            }
            return keys;
        }

        private String alias() {
            X509KeyManager k = current();
            return k == null ? null : ALIAS;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias();
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias();
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            X509KeyManager k = current();
            if (k == null || !ALIAS.equals(alias)) {
                return null;
            }
            String inner = firstAlias(k);
            return inner == null ? null : k.getCertificateChain(inner);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            X509KeyManager k = current();
            String inner = k == null || !ALIAS.equals(alias) ? null : firstAlias(k);
            return inner == null ? null : k.getPrivateKey(inner);
        }

        private String firstAlias(X509KeyManager k) {
            for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519", "DSA"}) {
                String[] aliases = k.getClientAliases(type, null);
                if (aliases != null && aliases.length > 0) {
                    return aliases[0];
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            String a = alias();
            return a == null ? null : new String[] {a};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
