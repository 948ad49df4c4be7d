package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

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

/** SMTP AUTH with the users file, and relaying only for those who may. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class AuthIT extends SuiteSupport {

    private Path users;

    /** A users-file line, the hash made by Python's hashlib (an independent PBKDF2). */
    private static String userLine(String user, String password) throws Exception {
        Process python = new ProcessBuilder("python3", "-c", "import hashlib,os,base64,sys\n"
                + "s=os.urandom(16)\n"
                + "print(sys.argv[1]+':$pbkdf2-sha256$100000$'+base64.b64encode(s).decode()+'$'"
                + "+base64.b64encode(hashlib.pbkdf2_hmac('sha256', sys.argv[2].encode(), s, 100000)).decode())",
                user, password).start();
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        return new String(python.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
    }

    private void usersFile(String... lines) throws Exception {
        users = work.resolve("users");
        Files.write(users, List.of(lines));
        configure("smtp.auth.users", "file", users.toString(), "reloadInterval", 1);
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A plain-SMTP binding on 127.0.0.1 that offers AUTH without TLS (allowed on loopback only). */
    private int plainAuthBinding(Object... more) throws Exception {
        int port = freePort();
        Object[] base = {"address", "127.0.0.1", "port", port, "authWithoutTls", true};
        Object[] all = new Object[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        createFactoryConfiguration("smtp.server.binding", all);
        return port;
    }

    @Test
    public void authOnlyOverTlsAndOnAnExternalInterfaceRelayOnlyAfterAuth() throws Exception {
        List<Event> events = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, SmtpEvents.MESSAGE_RECEIVED);
        context.registerService(EventHandler.class, events::add, topics);
        configureDelivery("bob@example.org");
        usersFile(userLine("alice", "s3cret pass"));
        configure("smtp.server", "interfaceUsage", new String[] {"127.0.0.1=external"});
        int port = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", port, "tlsMode", "starttls");
        startSuite();
        awaitListening("127.0.0.1", port);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            List<String> plainEhlo = SmtpClient.expect(client.command("EHLO auth.test"), 250).lines;
            assertTrue(plainEhlo.contains("STARTTLS"));
            assertFalse("no AUTH in plaintext: " + plainEhlo, plainEhlo.stream().anyMatch(line -> line.startsWith("AUTH")));
            assertEquals(538, client.command("AUTH PLAIN " + plain("alice", "s3cret pass")).code);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.Reply relay = client.command("RCPT TO:<carol@elsewhere.test>");
            assertEquals("an unauthenticated client of an External interface never relays", 550, relay.code);
            assertTrue(relay.text(), relay.text().startsWith("5.7.1 "));
            SmtpClient.expect(client.command("RSET"), 250);

            SmtpClient.expect(client.command("STARTTLS"), 220);
            client.startTls();
            assertTrue(SmtpClient.expect(client.command("EHLO auth.test"), 250).lines.contains("AUTH PLAIN LOGIN"));
            assertEquals("235 2.7.0 Authentication successful", client.command("AUTH PLAIN " + plain("alice", "s3cret pass")).toString());
            assertFalse(SmtpClient.expect(client.command("EHLO auth.test"), 250).lines.contains("AUTH PLAIN LOGIN"));
            assertEquals(503, client.command("AUTH PLAIN " + plain("alice", "s3cret pass")).code);
            SmtpClient.expect(client.send("alice@client.test", List.of("carol@elsewhere.test", "bob@example.org"),
                    MailFlowIT.MESSAGE), 250);
        }
        awaitMessages("bob@example.org", 1);
        String envelope = awaitQueuedEnvelope();
        assertTrue(envelope, envelope.contains("\nuser: alice\n"));
        Event message = await("the message event", () -> events.isEmpty() ? null : events.get(0));
        assertEquals("alice", message.getProperty(SmtpEvents.USER));
    }

    @Test
    public void wrongPasswordsGet535AndTheNextCheckWaitsLonger() throws Exception {
        configureDelivery();
        usersFile(userLine("alice", "right"));
        configure("smtp.server", "authFailureDelay", 100, "authFailureDelayMax", 300);
        int port = plainAuthBinding();
        // each check is told to session listeners (the metrics count them): mechanism and outcome
        java.util.concurrent.BlockingQueue<String> checks = new java.util.concurrent.LinkedBlockingQueue<>();
        context.registerService(smtp.server.spi.SessionListener.class, new smtp.server.spi.SessionListener() {
            @Override
            public void authenticated(smtp.server.spi.SessionDTO session, String mechanism, boolean succeeded) {
                checks.add(mechanism + (succeeded ? " ok " + session.authenticatedUser : " failed"));
            }
        }, null);
        startSuite();
        awaitListening("127.0.0.1", port);
        try (LogCapture log = new LogCapture(); SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertTrue(SmtpClient.expect(client.command("EHLO auth.test"), 250).lines.contains("AUTH PLAIN LOGIN"));
            long[] delays = {100, 200, 300, 300};
            for (int failure = 1; failure <= delays.length; failure++) {
                assertEquals("334 VXNlcm5hbWU6", client.command("AUTH LOGIN").toString());
                assertEquals("334 UGFzc3dvcmQ6", client.command(b64("alice")).toString());
                assertEquals("535 5.7.8 Authentication credentials invalid", client.command(b64("wrong")).toString());
                assertNotNull(log.awaitLine(TIMEOUT, "AUTH LOGIN failed for user 'alice' from 127.0.0.1 (failure " + failure
                        + "); its next check waits " + delays[failure - 1] + " ms"));
            }
            assertEquals("unknown users fail the same way", 535, client.command("AUTH PLAIN " + plain("mallory", "x")).code);
            assertEquals("334 VXNlcm5hbWU6", client.command("AUTH LOGIN").toString());
            assertEquals("501 5.7.0 Authentication cancelled", client.command("*").toString());
            assertEquals("334 UGFzc3dvcmQ6", client.command("AUTH LOGIN " + b64("alice")).toString());
            assertEquals(235, client.command(b64("right")).code);
        }
        List<String> told = new java.util.ArrayList<>();
        checks.drainTo(told);
        assertEquals(List.of("LOGIN failed", "LOGIN failed", "LOGIN failed", "LOGIN failed", "PLAIN failed",
                "LOGIN ok alice"), told);
    }

    @Test
    public void requireAuthRefusesMailUntilAuthenticated() throws Exception {
        configureDelivery("bob@example.org");
        usersFile(userLine("alice", "right"));
        int port = plainAuthBinding("requireAuth", true);
        startSuite();
        awaitListening("127.0.0.1", port);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO auth.test"), 250);
            assertEquals("530 5.7.0 Authentication required", client.command("MAIL FROM:<alice@client.test>").toString());
            SmtpClient.expect(client.command("AUTH PLAIN " + plain("alice", "right")), 235);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }
    }

    @Test
    public void authWithoutTlsOnlyOnLoopbackAndNoAuthWithoutAuthenticator() throws Exception {
        configureDelivery();
        int port = plainAuthBinding();
        createFactoryConfiguration("smtp.server.binding", "usage", "internal", "port", 2727, "authWithoutTls", true);
        startSuite();
        awaitListening("127.0.0.1", port);
        ComponentConfigurationDTO refused = await("the refused binding", () -> componentConfigurations("smtp.server",
                "smtp.server.internal.listener.Binding").stream().filter(dto -> dto.state == ComponentConfigurationDTO.FAILED_ACTIVATION)
                .findFirst().orElse(null));
        assertTrue(refused.failure, refused.failure.contains("authWithoutTls is allowed only on a binding with a loopback address"));
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            List<String> ehlo = SmtpClient.expect(client.command("EHLO auth.test"), 250).lines;
            assertFalse("no authenticator, no AUTH: " + ehlo, ehlo.stream().anyMatch(line -> line.startsWith("AUTH")));
            assertEquals("502 5.5.1 Error: authentication not enabled", client.command("AUTH PLAIN " + plain("a", "b")).toString());
        }
    }

    @Test
    public void theUsersFileIsReloadedWhenItChanges() throws Exception {
        configureDelivery();
        String alice = userLine("alice", "one");
        usersFile(alice);
        int port = plainAuthBinding();
        startSuite();
        awaitListening("127.0.0.1", port);
        Files.write(users, List.of(alice, userLine("dave", "two")));
        await("dave to be known", () -> {
            try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
                SmtpClient.expect(client.command("EHLO auth.test"), 250);
                return client.command("AUTH PLAIN " + plain("dave", "two")).code == 235 ? true : null;
            }
        });
        try (LogCapture log = new LogCapture()) {
            Files.writeString(users, "dave:not-a-hash\n");
            assertNotNull(log.awaitLine(TIMEOUT, "users file", "cannot be loaded (line 1: ", "keeping the previous 2 user(s)"));
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO auth.test"), 250);
            assertEquals(235, client.command("AUTH PLAIN " + plain("alice", "one")).code);
        }
    }

    @Test
    public void relayNetworksLimitWhoRelaysWithoutAuth() throws Exception {
        configureDelivery();
        configure("smtp.server", "relayNetworks", new String[] {"10.0.0.0/8"});
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO relay.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            assertEquals("127.0.0.1 is outside the relay networks", 550, client.command("RCPT TO:<carol@elsewhere.test>").code);
        }
        try (LogCapture log = new LogCapture()) {
            configure("smtp.server", "relayNetworks", new String[] {"127.0.0.0/8"});
            assertNotNull(log.awaitLine(TIMEOUT, "listening on 127.0.0.1:" + port));
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO relay.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            assertEquals(250, client.command("RCPT TO:<carol@elsewhere.test>").code);
        }
    }
}
