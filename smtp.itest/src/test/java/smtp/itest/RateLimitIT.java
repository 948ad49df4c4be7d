package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.server.events.SmtpEvents;

/**
 * The rate-limit bundle in the framework: limits by client address, network, sender domain and recipient domain,
 * as rates and as concurrency, several at once, over real sockets from many addresses of 127.0.0.0/8; changed and
 * removed while the suite runs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class RateLimitIT extends SuiteSupport {

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private int port;

    private void start() throws Exception {
        Dictionary<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, SmtpEvents.POLICY_VERDICT);
        context.registerService(EventHandler.class, events::add, topics);
        port = startListening(new String[] {"bob@example.org", "carol@example.org", "dave@example.org"},
                "maxConnectionsPerClient", 20);
        awaitProbeGone();
        context.installBundle(suiteBundleLocation("smtp.policy.ratelimit")).start();
    }

    private String limit(Object... settings) throws Exception {
        String name = (String) settings[1];
        try (LogCapture log = new LogCapture()) {
            String pid = createFactoryConfiguration("smtp.policy.ratelimit", settings);
            assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin ratelimit:" + name + " in use"));
            return pid;
        }
    }

    /** Sends one message from a source address; returns the first reply that is not the expected one, or the last. */
    private String send(String source, String from, String... to) throws IOException {
        try (SmtpClient client = SmtpClient.from(source, "127.0.0.1", port)) {
            if (client.greeting.code != 220) {
                return client.greeting.toString();
            }
            SmtpClient.expect(client.command("EHLO limits.test"), 250);
            return client.attempt(from, List.of(to), MailFlowIT.MESSAGE).toString();
        }
    }

    @Test
    public void messagesPerClientAddressAndPerNetworkAreLimitedEachOnItsOwn() throws Exception {
        start();
        limit("name", "per-client", "key", "client", "counts", "messages", "max", 3, "period", 3600);
        for (int host = 11; host <= 18; host++) {
            String source = "127.0.0." + host;
            for (int i = 0; i < 3; i++) {
                assertTrue(source, send(source, "alice@client.test", "bob@example.org").startsWith("250 "));
            }
            assertEquals("451 4.7.0 Too many messages for client " + source + " (limit per-client), try again later",
                    send(source, "alice@client.test", "bob@example.org"));
        }
        // with a second limit: 127.0.1.0/30 holds .0 to .3, five messages in all, then the network is refused
        limit("name", "per-net", "key", "clientNetwork", "prefixLength4", 30, "counts", "messages", "max", 5,
                "period", 3600, "action", "reject");
        List<String> replies = new ArrayList<>();
        for (int host = 0; host < 4; host++) {
            for (int i = 0; i < 2; i++) {
                replies.add(send("127.0.1." + host, "alice@client.test", "bob@example.org"));
            }
        }
        assertEquals(5, replies.stream().filter(reply -> reply.startsWith("250 ")).count());
        assertEquals("550 5.7.1 Too many messages for clientNetwork 127.0.1.0/30 (limit per-net)", replies.get(7));
        assertTrue(send("127.0.1.4", "alice@client.test", "bob@example.org").startsWith("250 "));

        Event deferred = await("the limit's event", () -> events.stream()
                .filter(event -> "DEFER".equals(event.getProperty(SmtpEvents.ACTION))).findFirst().orElse(null));
        assertEquals("ratelimit:per-client", deferred.getProperty(SmtpEvents.POLICY));
        assertEquals("MAIL", deferred.getProperty(SmtpEvents.STAGE));
        assertTrue(String.valueOf(deferred.getProperty(SmtpEvents.REPLY)).contains("(limit per-client)"));
    }

    @Test
    public void concurrentSessionsPerClientAreLimitedAndGivenBackWhenTheyEnd() throws Exception {
        start();
        limit("name", "sessions", "key", "client", "kind", "concurrency", "max", 2);
        try (SmtpClient first = SmtpClient.from("127.0.0.30", "127.0.0.1", port);
                SmtpClient second = SmtpClient.from("127.0.0.30", "127.0.0.1", port)) {
            assertEquals(220, first.greeting.code);
            assertEquals(220, second.greeting.code);
            try (SmtpClient third = SmtpClient.from("127.0.0.30", "127.0.0.1", port)) {
                assertEquals("421 4.7.0 mx.itest Too many sessions at once for client 127.0.0.30 (limit sessions), "
                        + "try again later", third.greeting.toString());
                assertEquals("", third.readUntilClosed());
            }
            try (SmtpClient other = SmtpClient.from("127.0.0.31", "127.0.0.1", port)) {
                assertEquals(220, other.greeting.code);
            }
            SmtpClient.expect(first.command("QUIT"), 221);
        }
        await("the places given back", () -> send("127.0.0.30", "alice@client.test", "bob@example.org")
                .startsWith("250 ") ? true : null);
    }

    @Test
    public void severalLimitsAtOnceBySenderDomainAndRecipientDomain() throws Exception {
        start();
        limit("name", "sender-domain", "key", "senderDomain", "counts", "messages", "max", 2, "period", 3600);
        limit("name", "rcpt-domain", "key", "recipientDomain", "counts", "recipients", "max", 3, "period", 3600,
                "action", "reject");
        assertTrue(send("127.0.0.40", "a@spammy.test", "bob@example.org").startsWith("250 "));
        assertTrue(send("127.0.0.41", "b@Spammy.test", "carol@example.org").startsWith("250 "));
        assertEquals("451 4.7.0 Too many messages for senderDomain spammy.test (limit sender-domain), try again later",
                send("127.0.0.42", "c@spammy.test", "bob@example.org"));
        assertEquals("550 5.7.1 Too many recipients for recipientDomain example.org (limit rcpt-domain)",
                send("127.0.0.43", "d@other.test", "dave@example.org", "bob@example.org"));
    }

    @Test
    public void countersSurviveAChangeOfTheLimitAndItsRemovalLetsMailThrough() throws Exception {
        start();
        String pid = limit("name", "per-client", "key", "client", "max", 3, "period", 3600);
        for (int i = 0; i < 3; i++) {
            assertTrue(send("127.0.0.50", "alice@client.test", "bob@example.org").startsWith("250 "));
        }
        String refused = "451 4.7.0 Too many messages for client 127.0.0.50 (limit per-client), try again later";
        assertEquals(refused, send("127.0.0.50", "alice@client.test", "bob@example.org"));
        try (LogCapture log = new LogCapture()) {
            configurationAdmin.getConfiguration(pid, "?").update(new Hashtable<>(java.util.Map.of("name", "per-client",
                    "key", "client", "max", 4, "period", 3600)));
            assertNotNull(log.awaitLine(TIMEOUT, "Rate limit per-client changed: 4 messages per 3600 s"));
        }
        // the three messages sent are still counted: with a maximum of four, the allowance left is none
        assertEquals(refused, send("127.0.0.50", "alice@client.test", "bob@example.org"));
        deleteConfiguration(pid);
        await("the limit removed", () -> send("127.0.0.50", "alice@client.test", "bob@example.org").startsWith("250 ")
                ? true : null);
        limit("name", "per-client", "key", "client", "max", 3, "period", 3600);
        assertEquals("made again under its name, the limit goes on from its counters", refused,
                send("127.0.0.50", "alice@client.test", "bob@example.org"));
    }

    @Test
    public void theBundleIsInstalledReconfiguredAndRemovedWhileMailFlows() throws Exception {
        port = startListening(new String[] {"bob@example.org"}, "maxConnectionsPerClient", 20);
        awaitProbeGone();
        String limited = "451 4.7.0 Too many messages for client 127.0.0.90 (limit flowing), try again later";
        java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<String> replies = new CopyOnWriteArrayList<>();
        try {
            java.util.concurrent.Future<?> flow = sender.submit(() -> {
                for (int i = 0; i < 5000 && sending.get(); i++) {
                    replies.add(send("127.0.0.90", "alice@client.test", "bob@example.org"));
                }
                return null;
            });
            await("mail flowing", () -> replies.size() >= 5 ? true : null);
            org.osgi.framework.Bundle bundle = context.installBundle(suiteBundleLocation("smtp.policy.ratelimit"));
            bundle.start();
            String pid = limit("name", "flowing", "key", "client", "max", 3, "period", 3600);
            await("the limit refusing", () -> replies.contains(limited) ? true : null);
            try (LogCapture log = new LogCapture()) {
                configurationAdmin.getConfiguration(pid, "?").update(new Hashtable<>(java.util.Map.of("name", "flowing",
                        "key", "client", "max", 3, "period", 1)));
                assertNotNull(log.awaitLine(TIMEOUT, "Rate limit flowing changed: 3 messages per 1 s"));
            }
            int changed = replies.size();
            await("mail through the faster allowance", () -> List.copyOf(replies).stream().skip(changed)
                    .anyMatch(reply -> reply.startsWith("250 ")) ? true : null);
            bundle.uninstall();
            int removed = replies.size();
            await("mail flowing without the bundle", () -> replies.size() >= removed + 10 ? true : null);
            sending.set(false);
            flow.get(30, java.util.concurrent.TimeUnit.SECONDS);
            for (String reply : replies.subList(removed + 2, replies.size())) {
                assertTrue("after the bundle went: " + reply, reply.startsWith("250 "));
            }
        } finally {
            sending.set(false);
            sender.shutdownNow();
        }
        for (String reply : replies) {
            assertTrue(reply, reply.startsWith("250 2.0.0 Ok: queued as ") || reply.equals(limited));
        }
    }
}
