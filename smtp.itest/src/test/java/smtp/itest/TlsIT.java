package smtp.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLException;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.server.events.SmtpEvents;

/** TLS bindings with real handshakes: Java's TLS client and openssl s_client. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class TlsIT extends SuiteSupport {

    private Path certificate;
    private Path key;

    /** Writes a certificate for {@code name} and configures a profile "main" that watches it every second. */
    private void profileMain(String name) throws Exception {
        certificate = work.resolve("main-cert.pem");
        key = work.resolve("main-key.pem");
        Openssl.certificate(name, false, certificate, key);
        createFactoryConfiguration("smtp.tls.profile", "name", "main", "certificateFile", certificate.toString(),
                "keyFile", key.toString(), "reloadInterval", 1);
    }

    /**
     * Configures delivery, the profile "main" (a certificate for one.test) and one binding with it in this TLS mode
     * (and these more settings); starts the suite.
     *
     * @return the binding's port, listening
     */
    private int startWithOneBinding(String tlsMode, Object... more) throws Exception {
        configureDelivery("bob@example.org");
        profileMain("one.test");
        int port = binding(tlsMode, "main", more);
        startSuite();
        awaitListening("127.0.0.1", port);
        return port;
    }

    private int binding(String tlsMode, String profile, Object... more) throws Exception {
        int port = freePort();
        Object[] settings = {"address", "127.0.0.1", "port", port, "tlsMode", tlsMode, "tlsProfile", profile};
        Object[] all = new Object[settings.length + more.length];
        System.arraycopy(settings, 0, all, 0, settings.length);
        System.arraycopy(more, 0, all, settings.length, more.length);
        createFactoryConfiguration("smtp.server.binding", all);
        return port;
    }

    private static String receivedOf(Path message) throws Exception {
        String text = Files.readString(message, StandardCharsets.UTF_8);
        return text.substring(text.indexOf("Received:"), text.indexOf("\r\nFrom:"));
    }

    @Test
    public void starttlsDeliversAndTheMessageRecordsTls() throws Exception {
        List<Event> events = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, SmtpEvents.MESSAGE_RECEIVED);
        context.registerService(EventHandler.class, events::add, topics);
        int port = startWithOneBinding("starttls", "requireTls", true);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertTrue(SmtpClient.expect(client.command("EHLO tls.test"), 250).lines.contains("STARTTLS"));
            assertEquals("530 5.7.0 Must issue a STARTTLS command first", client.command("MAIL FROM:<alice@client.test>").toString());
            assertEquals("220 2.0.0 Ready to start TLS", client.command("STARTTLS").toString());
            client.startTls();
            assertEquals("one.test", client.peerName());
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", client.command("MAIL FROM:<alice@client.test>").toString());
            SmtpClient.Reply ehlo = SmtpClient.expect(client.command("EHLO tls.test"), 250);
            assertFalse("no STARTTLS once TLS runs: " + ehlo.lines, ehlo.lines.contains("STARTTLS"));
            assertEquals("503 5.5.1 Error: TLS already active", client.command("STARTTLS").toString());
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org", "carol@elsewhere.test"),
                    MailFlowIT.MESSAGE), 250);
        }
        // the relay recipient keeps the message in the queue: its envelope says TLS was used
        String envelope = awaitQueuedEnvelope();
        assertTrue(envelope, envelope.contains("\ntls: true\n"));
        String received = receivedOf(awaitMessages("bob@example.org", 1).get(0));
        assertTrue(received, received.matches("(?s)Received: from tls.test \\(\\[127.0.0.1\\]\\)\r\n"
                + "\t\\(using TLSv1\\.[23] with cipher TLS_\\w+\\)\r\n\tby \\S+ \\(SMTP Suite 0.1.0\\) with ESMTPS id .*"));
        Event message = await("the message event", () -> events.isEmpty() ? null : events.get(0));
        assertEquals(Boolean.TRUE, message.getProperty(SmtpEvents.TLS));
    }

    @Test
    public void implicitTlsWithTheSelfSignedDefaultKeptAcrossRestarts() throws Exception {
        configureDelivery("bob@example.org");
        int port = binding("implicit", "default");
        try (LogCapture log = new LogCapture()) {
            startSuite();
            awaitListening("127.0.0.1", port);
            assertNotNull(log.awaitLine(TIMEOUT, "TLS profile 'default' uses a SELF-SIGNED certificate", "CN=mx.itest"));
        }
        byte[] first;
        try (SmtpClient client = SmtpClient.implicitTls("127.0.0.1", port)) {
            assertEquals(220, client.greeting.code);
            assertEquals("mx.itest", client.peerName());
            first = client.peerCertificate().getEncoded();
            SmtpClient.Reply ehlo = SmtpClient.expect(client.command("EHLO tls.test"), 250);
            assertFalse(ehlo.lines.contains("STARTTLS"));
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }
        assertTrue(receivedOf(awaitMessages("bob@example.org", 1).get(0)).contains(" with ESMTPS id "));
        assertTrue(Files.exists(work.resolve("tls/self-signed-cert.pem")));

        installedBundle("smtp.tls").stop();
        awaitClosed("127.0.0.1", port);
        installedBundle("smtp.tls").start();
        awaitListening("127.0.0.1", port);
        try (SmtpClient client = SmtpClient.implicitTls("127.0.0.1", port)) {
            assertArrayEquals("the same certificate after a restart", first, client.peerCertificate().getEncoded());
        }
    }

    @Test
    public void oldProtocolsAndWeakCipherSuitesAreRefused() throws Exception {
        configureDelivery();
        certificate = work.resolve("rsa-cert.pem");
        key = work.resolve("rsa-key.pem");
        Openssl.certificate("rsa.test", true, certificate, key);
        createFactoryConfiguration("smtp.tls.profile", "name", "main", "certificateFile", certificate.toString(),
                "keyFile", key.toString());
        createFactoryConfiguration("smtp.tls.profile", "name", "tls12only", "certificateFile", certificate.toString(),
                "keyFile", key.toString(), "protocols", new String[] {"TLSv1.2"});
        int implicit = binding("implicit", "main");
        int starttls = binding("starttls", "main");
        int tls12only = binding("implicit", "tls12only");
        startSuite();
        awaitListening("127.0.0.1", implicit);
        awaitListening("127.0.0.1", starttls);
        awaitListening("127.0.0.1", tls12only);
        // the profile's protocol list is what decides, not the JDK's defaults
        assertTrue(Openssl.connect(tls12only, false, "-tls1_2").connected());
        Openssl.Result tls13 = Openssl.connect(tls12only, false, "-tls1_3");
        assertFalse(tls13.output(), tls13.connected());
        for (int port : new int[] {implicit, starttls}) {
            boolean start = port == starttls;
            assertTrue(Openssl.connect(port, start, "-tls1_3").output(), Openssl.connect(port, start, "-tls1_3").connected());
            assertTrue(Openssl.connect(port, start, "-tls1_2").connected());
            for (String old : new String[] {"-tls1_1", "-tls1"}) {
                Openssl.Result refused = Openssl.connect(port, start, old, "-cipher", "DEFAULT@SECLEVEL=0");
                assertFalse(refused.output(), refused.connected());
                assertTrue("the server refused, not the client: " + refused.output(), refused.output().contains("alert protocol version"));
            }
            for (String weak : new String[] {"AES128-GCM-SHA256", "AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-SHA256"}) {
                Openssl.Result refused = Openssl.connect(port, start, "-tls1_2", "-cipher", weak);
                assertFalse(weak + ": " + refused.output(), refused.connected());
                assertTrue("the server refused " + weak + ": " + refused.output(), refused.output().contains("alert handshake failure"));
            }
        }
    }

    @Test
    public void aChangedCertificateServesNewConnectionsWithoutDroppingLiveOnes() throws Exception {
        int port = startWithOneBinding("implicit");
        try (SmtpClient live = SmtpClient.implicitTls("127.0.0.1", port)) {
            SmtpClient.expect(live.command("EHLO live.test"), 250);
            assertEquals("one.test", live.peerName());

            // renewal: an RSA key in PKCS#1 form this time, each file replaced by a rename
            Path newCertificate = work.resolve("new-cert.pem");
            Path newKey = work.resolve("new-key.pem");
            Openssl.certificate("two.test", true, newCertificate, newKey);
            Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(newCertificate, certificate, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await("the new certificate on new connections", () -> {
                try (SmtpClient client = SmtpClient.implicitTls("127.0.0.1", port)) {
                    return client.peerName().equals("two.test") ? true : null;
                }
            });
            // the session opened before the change goes on
            assertEquals("250 2.0.0 Ok", live.command("NOOP").toString());
            SmtpClient.expect(live.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);

            try (LogCapture log = new LogCapture()) {
                Files.writeString(certificate, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
                assertNotNull(log.awaitLine(TIMEOUT, "TLS profile 'main': cannot load the changed files", "keeping the certificate CN=two.test"));
            }
            try (SmtpClient client = SmtpClient.implicitTls("127.0.0.1", port)) {
                assertEquals("two.test", client.peerName());
            }
        }
        awaitMessages("bob@example.org", 1);
    }

    @Test
    public void aPkcs12ProfileAndBadProfilesFailClearly() throws Exception {
        configureDelivery();
        Path p12 = work.resolve("store.p12");
        Openssl.certificate("p12.test", false, work.resolve("p12-cert.pem"), work.resolve("p12-key.pem"));
        Openssl.pkcs12(work.resolve("p12-cert.pem"), work.resolve("p12-key.pem"), "s3cret", p12);
        createFactoryConfiguration("smtp.tls.profile", "name", "store", "keyStoreFile", p12.toString(), ".keyStorePassword", "s3cret");
        createFactoryConfiguration("smtp.tls.profile", "name", "wrongpass", "keyStoreFile", p12.toString(), ".keyStorePassword", "nope");
        createFactoryConfiguration("smtp.tls.profile", "name", "missing", "certificateFile", work.resolve("none.pem").toString(),
                "keyFile", work.resolve("none-key.pem").toString());
        int port = binding("implicit", "store");
        int waiting = binding("implicit", "missing");
        try (LogCapture log = new LogCapture()) {
            startSuite();
            awaitListening("127.0.0.1", port);
            assertNotNull(log.awaitLine(TIMEOUT, "TLS profile 'wrongpass' not started", "cannot be read as PKCS#12 (wrong password?)"));
            assertNotNull(log.awaitLine(TIMEOUT, "TLS profile 'missing' not started", "none.pem"));
            assertNotNull(log.awaitLine(TIMEOUT, "waits for TLS profile 'missing'"));
        }
        try (SmtpClient client = SmtpClient.implicitTls("127.0.0.1", port)) {
            assertEquals("p12.test", client.peerName());
        }
        assertFalse(accepts("127.0.0.1", waiting));
        long failed = componentConfigurations("smtp.tls", "smtp.tls.internal.ConfiguredProfile").stream()
                .filter(dto -> dto.state == ComponentConfigurationDTO.FAILED_ACTIVATION).count();
        assertEquals(2, failed);
    }

    @Test
    public void commandsPipelinedBehindStarttlsAreDiscarded() throws Exception {
        int port = startWithOneBinding("starttls");
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO tls.test"), 250);
            client.write("STARTTLS\r\nMAIL FROM:<mallory@evil.test>\r\nRCPT TO:<bob@example.org>\r\n");
            assertEquals("220 2.0.0 Ready to start TLS", client.read().toString());
            client.startTls();
            // the first reply over TLS answers the first command sent over TLS: nothing injected ran
            SmtpClient.expect(client.command("EHLO tls.test"), 250);
            assertEquals("503 5.5.1 Error: need MAIL command", client.command("RCPT TO:<bob@example.org>").toString());
        }
    }

    @Test
    public void aTls12RenegotiationEndsTheConnectionAndTheNextClientIsServed() throws Exception {
        int port = startWithOneBinding("starttls");
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO tls.test"), 250);
            SmtpClient.expect(client.command("STARTTLS"), 220);
            client.startTls("TLSv1.2");
            SmtpClient.expect(client.command("EHLO tls.test"), 250);
            client.renegotiate();
            String answer;
            try {
                answer = client.readUntilClosed();
            } catch (SSLException ended) { // the handshake the client started ended with the connection
                answer = "";
            }
            assertEquals("nothing after the renegotiation's hello, then the end", "", answer);
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO tls.test"), 250);
            SmtpClient.expect(client.command("STARTTLS"), 220);
            client.startTls("TLSv1.2");
            SmtpClient.expect(client.command("EHLO tls.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }
    }

    @Test
    public void aFailedHandshakeClosesTheConnectionWithoutPlaintext() throws Exception {
        configureDelivery("bob@example.org");
        profileMain("one.test");
        int implicit = binding("implicit", "main");
        int starttls = binding("starttls", "main");
        startSuite();
        awaitListening("127.0.0.1", implicit);
        awaitListening("127.0.0.1", starttls);
        try (Socket socket = new Socket("127.0.0.1", implicit)) {
            socket.getOutputStream().write("EHLO plain.test\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10000);
            String answer = SmtpClient.readUntilClosed(socket.getInputStream());
            assertFalse(answer, answer.contains("220") || answer.contains("250"));
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", starttls)) {
            SmtpClient.expect(client.command("EHLO plain.test"), 250);
            SmtpClient.expect(client.command("STARTTLS"), 220);
            client.write("EHLO still-plain.test\r\nMAIL FROM:<alice@client.test>\r\n");
            String answer = client.readUntilClosed(); // at most a TLS alert, then the end
            assertFalse(answer, answer.contains("250") || answer.contains("503"));
        }
    }

    @Test
    public void withoutTheTlsBundleTlsBindingsStopAndPlainOnesServe() throws Exception {
        configureDelivery("bob@example.org");
        profileMain("one.test");
        int plain = bindLoopback();
        int starttls = binding("starttls", "main");
        int implicit = binding("implicit", "main");
        startSuite();
        awaitListening("127.0.0.1", implicit);

        installedBundle("smtp.tls").uninstall();
        awaitClosed("127.0.0.1", implicit);
        try (SmtpClient client = new SmtpClient("127.0.0.1", starttls)) {
            assertFalse(SmtpClient.expect(client.command("EHLO tls.test"), 250).lines.contains("STARTTLS"));
            assertEquals("454 4.7.0 TLS not available due to temporary reason", client.command("STARTTLS").toString());
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", plain)) {
            SmtpClient.expect(client.command("EHLO plain.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }

        reinstall("smtp.tls").start();
        awaitListening("127.0.0.1", implicit);
        try (SmtpClient client = new SmtpClient("127.0.0.1", starttls)) {
            assertTrue(SmtpClient.expect(client.command("EHLO tls.test"), 250).lines.contains("STARTTLS"));
        }
        try (SmtpClient client = SmtpClient.implicitTls("127.0.0.1", implicit)) {
            assertEquals("one.test", client.peerName());
            SmtpClient.expect(client.command("EHLO tls.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }
        awaitMessages("bob@example.org", 2);
    }
}
