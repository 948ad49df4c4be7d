package smtp.tls.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.util.List;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class KeyMaterialTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private Path certificate;
    private Path key;

    private void selfSigned(String name) throws Exception {
        certificate = folder.getRoot().toPath().resolve(name + "-cert.pem");
        key = folder.getRoot().toPath().resolve(name + "-key.pem");
        SelfSigned.generate(name, certificate, key);
    }

    @Test
    public void readsTheGeneratedPairAndBuildsAContext() throws Exception {
        selfSigned("a.test");
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
        KeyMaterial material = KeyMaterial.fromPem(certificate, key);
        assertTrue(material.chain[0].getSubjectX500Principal().getName().contains("CN=a.test"));
        TlsSettings.Context context = TlsSettings.build(material, TlsSettings.DEFAULT_PROTOCOLS, TlsSettings.DEFAULT_CIPHER_SUITES);
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(context.parameters().getProtocols()));
        for (String suite : context.parameters().getCipherSuites()) {
            assertFalse(suite, suite.startsWith("TLS_RSA_") || suite.contains("_CBC_") || suite.endsWith("_SHA"));
        }
    }

    @Test
    public void readsAnEcKeyInSec1FormWithoutItsPublicPart() throws Exception {
        selfSigned("b.test");
        KeyMaterial original = KeyMaterial.fromPem(certificate, key);
        Path sec1 = folder.getRoot().toPath().resolve("sec1.pem");
        Process openssl = new ProcessBuilder("openssl", "ec", "-in", key.toString(), "-out", sec1.toString(), "-no_public")
                .redirectErrorStream(true).start();
        assertTrue(openssl.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(new String(openssl.getInputStream().readAllBytes()), 0, openssl.exitValue());
        assertTrue(Files.readString(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----"));
        assertEquals(((java.security.interfaces.ECPrivateKey) original.key).getS(),
                ((java.security.interfaces.ECPrivateKey) KeyMaterial.fromPem(certificate, sec1).key).getS());
    }

    @Test
    public void readsTheKeyWhenBouncyCastleIsTheFirstSecurityProvider() throws Exception {
        selfSigned("bc.test");
        // as in Apache Karaf, which registers BouncyCastle's provider: EC keys then say "ECDSA"
        assertEquals(1, Security.insertProviderAt(new BouncyCastleProvider(), 1));
        try {
            KeyMaterial material = KeyMaterial.fromPem(certificate, key);
            assertEquals("ECDSA", material.key.getAlgorithm());
            TlsSettings.build(material, TlsSettings.DEFAULT_PROTOCOLS, TlsSettings.DEFAULT_CIPHER_SUITES);
        } finally {
            Security.removeProvider(BouncyCastleProvider.PROVIDER_NAME);
        }
    }

    @Test
    public void refusesAKeyOfAnotherCertificate() throws Exception {
        selfSigned("c.test");
        Path certificateC = certificate;
        selfSigned("d.test");
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> KeyMaterial.fromPem(certificateC, key));
        assertTrue(e.getMessage(), e.getMessage().contains("does not belong to the certificate")
                && e.getMessage().contains("CN=c.test"));
    }

    @Test
    public void refusesEncryptedKeysAndNamesTheFix() throws Exception {
        selfSigned("e.test");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(new JcaPKCS8Generator(generator.generateKeyPair().getPrivate(),
                    new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                            .setPassword("pw".toCharArray()).build()));
        }
        Files.writeString(key, text.toString());
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> KeyMaterial.fromPem(certificate, key));
        assertTrue(e.getMessage(), e.getMessage().contains("encrypted key") && e.getMessage().contains("openssl pkey"));
    }

    @Test
    public void unknownProtocolsAreAnError() throws Exception {
        selfSigned("f.test");
        KeyMaterial material = KeyMaterial.fromPem(certificate, key);
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> TlsSettings.build(material, new String[] {"TLSv1.9"}, TlsSettings.DEFAULT_CIPHER_SUITES));
        assertTrue(e.getMessage(), e.getMessage().contains("protocol 'TLSv1.9' is not supported here"));
        assertThrows(GeneralSecurityException.class,
                () -> TlsSettings.build(material, TlsSettings.DEFAULT_PROTOCOLS, new String[] {"NO_SUCH_SUITE"}));
    }

    @Test
    public void aProfileReloadsChangedFilesAndKeepsTheOldOnesWhenTheNewAreBroken() throws Exception {
        selfSigned("one.test");
        Path certificateFile = certificate;
        Path keyFile = key;
        ReloadingProfile profile = new ReloadingProfile("p", () -> TlsSettings.build(KeyMaterial.fromPem(certificateFile, keyFile),
                TlsSettings.DEFAULT_PROTOCOLS, TlsSettings.DEFAULT_CIPHER_SUITES), List.of(certificateFile, keyFile));
        assertFalse(profile.reloadIfChanged());
        SelfSigned.generate("two.test", certificateFile, keyFile);
        assertTrue(profile.reloadIfChanged());
        assertTrue(profile.certificate().getSubjectX500Principal().getName().contains("CN=two.test"));
        Files.writeString(certificateFile, "garbage");
        assertFalse(profile.reloadIfChanged());
        assertTrue(profile.certificate().getSubjectX500Principal().getName().contains("CN=two.test"));
    }
}
