package smtp.tls.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A private key with its certificate chain, read from PEM files (any key
 * format openssl writes: PKCS#8, PKCS#1 RSA, SEC1 EC) or from a PKCS#12
 * keystore, and checked to belong together.
 */
final class KeyMaterial {

    /** The password of the in-memory keystore handed to the key manager. */
    static final char[] IN_MEMORY = "in-memory".toCharArray();

    final PrivateKey key;
    final X509Certificate[] chain;

    private KeyMaterial(PrivateKey key, X509Certificate[] chain) throws GeneralSecurityException {
        this.key = key;
        this.chain = chain;
        if (!belongTogether(key, chain[0].getPublicKey())) {
            throw new GeneralSecurityException("the private key does not belong to the certificate "
                    + chain[0].getSubjectX500Principal().getName());
        }
    }

    static KeyMaterial fromPem(Path certificateFile, Path keyFile) throws IOException, GeneralSecurityException {
        X509Certificate[] chain;
        try (InputStream in = Files.newInputStream(certificateFile)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException(certificateFile + " holds no readable PEM certificate: " + e.getMessage(), e);
        }
        if (chain.length == 0) {
            throw new GeneralSecurityException(certificateFile + " holds no certificate");
        }
        return new KeyMaterial(readKey(keyFile), chain);
    }

    private static PrivateKey readKey(Path keyFile) throws IOException, GeneralSecurityException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            for (Object item; (item = parser.readObject()) != null; ) {
                if (item instanceof PEMKeyPair pair) { // PKCS#1 RSA or SEC1 EC, possibly without the public part
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (item instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new GeneralSecurityException(keyFile + " holds an encrypted key: store it unencrypted "
                            + "(openssl pkey -in key.pem -out key-plain.pem) with file mode 600, or use a PKCS#12 keystore");
                }
            }
        } catch (IOException e) {
            throw new GeneralSecurityException(keyFile + " is not a readable PEM file: " + e.getMessage(), e);
        }
        throw new GeneralSecurityException(keyFile + " holds no private key");
    }

    static KeyMaterial fromPkcs12(Path keyStoreFile, char[] password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStoreFile)) {
            store.load(in, password);
        } catch (IOException e) {
            throw new GeneralSecurityException(keyStoreFile + " cannot be read as PKCS#12 (wrong password?): " + e.getMessage(), e);
        }
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                Certificate[] chain = store.getCertificateChain(alias);
                if (chain == null || chain.length == 0) {
                    continue;
                }
                X509Certificate[] x509 = new X509Certificate[chain.length];
                for (int i = 0; i < chain.length; i++) {
                    x509[i] = (X509Certificate) chain[i];
                }
                return new KeyMaterial((PrivateKey) store.getKey(alias, password), x509);
            }
        }
        throw new GeneralSecurityException(keyStoreFile + " holds no private key with a certificate");
    }

    /** A keystore holding just this key and chain, for a key manager. */
    KeyStore keyStore() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", key, IN_MEMORY, chain);
        return store;
    }

    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA"; // ECDSA: an EC key of BouncyCastle's provider (Karaf registers it)
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> throw new GeneralSecurityException("keys of type " + key.getAlgorithm() + " are not supported");
        };
        byte[] probe = "smtp.tls key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        try {
            verifier.initVerify(publicKey);
        } catch (GeneralSecurityException e) {
            return false; // a key of another type
        }
        verifier.update(probe);
        return verifier.verify(signature);
    }
}
