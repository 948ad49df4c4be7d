package smtp.delivery.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.api.Envelope;

/** STARTTLS and AUTH towards a smarthost: opportunistic, required with a trusted certificate, and refusals. */
public class OutboundTlsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private Path certificate;
    private SSLContext peerTls;

    /** A certificate for 127.0.0.1 made with openssl, as the peer's. */
    @Before
    public void certificate() throws Exception {
        Path dir = folder.newFolder("peer").toPath();
        certificate = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path p12 = dir.resolve("peer.p12");
        run("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", key.toString(), "-out", certificate.toString());
        run("openssl", "pkcs12", "-export", "-in", certificate.toString(), "-inkey", key.toString(), "-out", p12.toString(),
                "-passout", "pass:peer");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, "peer".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "peer".toCharArray());
        peerTls = SSLContext.getInstance("TLS");
        peerTls.init(keys.getKeyManagers(), null, null);
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command), 0, process.exitValue());
    }

    private DeliveryService service(int port, Map<String, Object> settings) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("smarthost", "127.0.0.1:" + port, "retryIntervals", new int[] {3600}));
        values.putAll(settings);
        return DeliveryConfigs.service(folder.getRoot().toPath(), values);
    }

    private static String send(DeliveryService service) throws Exception {
        Envelope envelope = new Envelope();
        envelope.reversePath = "alice@example.org";
        envelope.recipients = List.of("carol@remote.test");
        return service.deliver(envelope, new ByteArrayInputStream("Subject: s\r\n\r\nb\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    public void requiredTlsWithATrustedCertificateThenAuth() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(r -> "250 2.1.5 Ok", n -> "250 2.0.0 queued").withTls(peerTls)) {
            DeliveryService service = service(peer.port(), Map.of("outboundTls", "required",
                    "trustedCertificates", certificate.toString(), "smarthostUser", "relayuser", "_smarthostPassword", "relay pw"));
            try {
                send(service);
                Await.until("the relayed message", () -> peer.messages.isEmpty() ? null : true);
                assertEquals(List.of("tls"), peer.sessions);
                int starttls = peer.commands.indexOf("STARTTLS");
                int auth = peer.commands.indexOf("AUTH PLAIN " + Base64.getEncoder().encodeToString("\0relayuser\0relay pw"
                        .getBytes(StandardCharsets.UTF_8)));
                assertTrue(peer.commands.toString(), starttls >= 0 && auth > starttls);
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aRequireTlsMessageGoesOverVerifiedTlsWithTheParameterWhateverTheSetting() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(r -> "250 2.1.5 Ok", n -> "250 2.0.0 queued").withTls(peerTls)
                .withExtensions("REQUIRETLS")) {
            // outboundTls stays opportunistic: the message's REQUIRETLS makes the certificate check required
            DeliveryService service = service(peer.port(), Map.of("trustedCertificates", certificate.toString()));
            try {
                Envelope envelope = new Envelope();
                envelope.reversePath = "alice@example.org";
                envelope.recipients = List.of("carol@remote.test");
                envelope.requireTls = true;
                service.deliver(envelope, new ByteArrayInputStream("Subject: s\r\n\r\nb\r\n".getBytes(StandardCharsets.US_ASCII)));
                Await.until("the relayed message", () -> peer.messages.isEmpty() ? null : true);
                assertEquals(List.of("tls"), peer.sessions);
                assertTrue(peer.commands.toString(), peer.commands.stream()
                        .anyMatch(c -> c.startsWith("MAIL FROM:<alice@example.org>") && c.endsWith(" REQUIRETLS")));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void requiredTlsRefusesAnUntrustedCertificateAndAPeerWithoutStarttls() throws Exception {
        try (ScriptedPeer untrusted = new ScriptedPeer(r -> "250 2.1.5 Ok", n -> "250 2.0.0 queued").withTls(peerTls);
                ScriptedPeer plain = new ScriptedPeer(r -> "250 2.1.5 Ok", n -> "250 2.0.0 queued")) {
            for (ScriptedPeer peer : new ScriptedPeer[] {untrusted, plain}) {
                DeliveryService service = service(peer.port(), Map.of("outboundTls", "required"));
                try {
                    String queueId = send(service);
                    String shown = Await.until("the first attempt", () -> service.show(queueId).contains("attempts:      1") ? service.show(queueId) : null);
                    assertTrue(shown, peer == plain ? shown.contains("does not offer STARTTLS, which is required")
                            : shown.contains("TLS failed"));
                    assertEquals(List.of(), peer.messages);
                    service.remove(queueId);
                } finally {
                    service.stop();
                }
            }
        }
    }

    @Test
    public void opportunisticTlsEncryptsWithoutCheckingTheCertificate() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(r -> "250 2.1.5 Ok", n -> "250 2.0.0 queued").withTls(peerTls)) {
            DeliveryService service = service(peer.port(), Map.of());
            try {
                send(service);
                Await.until("the relayed message", () -> peer.messages.isEmpty() ? null : true);
                assertEquals(List.of("tls"), peer.sessions);
            } finally {
                service.stop();
            }
        }
    }
}
