package smtp.tls.internal;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** Protocols and cipher suites, and the SSL context built from key material with them. */
final class TlsSettings {

    static final String[] DEFAULT_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** Forward secrecy and AEAD only: no RSA key exchange, no CBC, no SHA-1, no NULL, EXPORT or anonymous suites. */
    static final String[] DEFAULT_CIPHER_SUITES = {
        "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"};

    private TlsSettings() {}

    /** An SSL context and the parameters every socket of a profile gets. */
    record Context(SSLContext sslContext, SSLParameters parameters, KeyMaterial material) {}

    static Context build(KeyMaterial material, String[] protocols, String[] cipherSuites) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(material.keyStore(), KeyMaterial.IN_MEMORY);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLParameters supported = context.getSupportedSSLParameters();
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(pick("protocol", protocols, supported.getProtocols(), true));
        parameters.setCipherSuites(pick("cipher suite", cipherSuites, supported.getCipherSuites(), false));
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false);
        return new Context(context, parameters, material);
    }

    /**
     * The wanted names that the JDK supports, in the wanted order.
     *
     * @param strict whether a name the JDK does not know is an error (protocols) or skipped (cipher suites,
     *        whose list differs between JDKs)
     */
    private static String[] pick(String what, String[] wanted, String[] supported, boolean strict)
            throws GeneralSecurityException {
        List<String> known = Arrays.asList(supported);
        List<String> picked = new ArrayList<>();
        for (String name : wanted) {
            String trimmed = name.trim();
            if (known.contains(trimmed)) {
                picked.add(trimmed);
            } else if (strict) {
                throw new GeneralSecurityException(what + " '" + trimmed + "' is not supported here; supported are " + known);
            }
        }
        if (picked.isEmpty()) {
            throw new GeneralSecurityException("none of the " + what + "s " + Arrays.toString(wanted) + " is supported here");
        }
        return picked.toArray(new String[0]);
    }
}
