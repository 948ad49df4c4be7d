package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;

import smtp.server.spi.Authenticator;

/**
 * The greylisting bundle in the framework over real sockets: a new triplet is deferred, a retry after the delay
 * passes and its network passes from then on; pass networks and authenticated clients are not greylisted; the state
 * survives a restart of the bundle; a changed delay applies at once.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class GreylistIT extends SuiteSupport {

    private int port;
    private Path state;
    private Bundle greylist;

    private void start() throws Exception {
        context.registerService(Authenticator.class,
                (user, password) -> user.equals("alice") && new String(password).equals("pw") ? "alice" : null, null);
        configureDelivery("bob@example.org", "carol@example.org");
        configure("smtp.server", "hostName", "mx.itest");
        port = freePort();
        createFactoryConfiguration("smtp.server.binding", "name", "mx-test", "address", "127.0.0.1", "port", port,
                "authWithoutTls", true);
        state = work.resolve("greylist.state");
        configureGreylist(3);
        startSuite();
        awaitListening("127.0.0.1", port);
        try (LogCapture log = new LogCapture()) {
            greylist = context.installBundle(suiteBundleLocation("smtp.policy.greylist"));
            greylist.start();
            assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin greylist in use"));
        }
    }

    /** Greylisting on every binding, each client address its own network, 127.0.5.0/24 never greylisted. */
    private void configureGreylist(int delay) throws IOException {
        configure("smtp.policy.greylist", "delay", delay, "smtp.policy.usage", new String[0], "prefixLength4", 32,
                "passNetworks", new String[] {"127.0.5.0/24"}, "autoPassAfter", 1, "stateFile", state.toString());
    }

    /** @return the reply to RCPT, or to the end of the data when RCPT was taken */
    private String send(String source, String from, String to, String auth) throws IOException {
        try (SmtpClient client = SmtpClient.from(source, "127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO grey.test"), 250);
            if (auth != null) {
                SmtpClient.expect(client.command("AUTH PLAIN " + auth), 235);
            }
            return client.attempt(from, List.of(to), MailFlowIT.MESSAGE).toString();
        }
    }

    @Test
    public void aNewTripletWaitsForItsRetryAndItsNetworkPassesAfterwards() throws Exception {
        start();
        assertEquals("451 4.7.1 Greylisted, try again in 3 seconds", send("127.0.0.60", "alice@far.test",
                "bob@example.org", null));
        assertTrue(send("127.0.0.60", "alice@far.test", "bob@example.org", null).startsWith("451 4.7.1 Greylisted"));
        await("the retry after the delay to pass", () -> send("127.0.0.60", "alice@far.test", "bob@example.org", null)
                .startsWith("250 ") ? true : null);
        String delivered = Files.readString(awaitMessages("bob@example.org", 1).get(0));
        assertTrue(delivered, delivered.contains("\r\nX-Greylist: delayed "));
        assertTrue(delivered, delivered.contains(" seconds for 127.0.0.60/32\r\n"));
        assertTrue("the network retried properly: another triplet passes at once",
                send("127.0.0.60", "zed@other.test", "carol@example.org", null).startsWith("250 "));
        assertTrue("another network is greylisted",
                send("127.0.0.62", "zed@other.test", "carol@example.org", null).startsWith("451 4.7.1 Greylisted"));
        assertTrue("pass networks are not greylisted",
                send("127.0.5.9", "zed@other.test", "carol@example.org", null).startsWith("250 "));
        String plain = Base64.getEncoder().encodeToString("\0alice\0pw".getBytes(StandardCharsets.UTF_8));
        assertTrue("authenticated clients are not greylisted",
                send("127.0.0.63", "alice@client.test", "carol@example.org", plain).startsWith("250 "));
    }

    @Test
    public void theStateSurvivesARestartAndAChangedDelayAppliesAtOnce() throws Exception {
        start();
        assertTrue(send("127.0.0.61", "alice@far.test", "bob@example.org", null).startsWith("451 4.7.1 Greylisted"));
        greylist.stop();
        String saved = Files.readString(state);
        assertTrue(saved, saved.contains("T\t127.0.0.61/32\talice@far.test\tbob@example.org\t"));
        try (LogCapture log = new LogCapture()) {
            greylist.start();
            assertNotNull(log.awaitLine(TIMEOUT, "Greylisting: 1 triplet(s) read from " + state));
        }
        String passed = await("the retry after the delay to pass", () -> {
            String reply = send("127.0.0.61", "alice@far.test", "bob@example.org", null);
            return reply.startsWith("250 ") ? reply : null;
        });
        assertTrue(passed, passed.startsWith("250 2.0.0 Ok: queued as "));
        List<Path> delivered = awaitMessages("bob@example.org", 1);
        String message = Files.readString(delivered.get(0));
        long waited = Long.parseLong(message.replaceAll("(?s).*X-Greylist: delayed (\\d+) seconds.*", "$1"));
        assertTrue("the triplet kept its first attempt from before the restart: " + waited, waited >= 3);

        try (LogCapture log = new LogCapture()) {
            configureGreylist(0);
            assertNotNull(log.awaitLine(TIMEOUT, "Greylisting changed: delay 0 s"));
        }
        assertTrue("a new triplet passes at its first attempt",
                send("127.0.0.64", "new@far.test", "carol@example.org", null).startsWith("250 "));
    }
}
