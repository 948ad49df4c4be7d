package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.server.api.ListenerStatus;
import smtp.server.events.SmtpEvents;
import smtp.server.spi.Authenticator;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

/**
 * The policy SPI: plugins registered by the test are asked at every stage of real SMTP sessions, their verdicts
 * reach the client, the message, the quarantine folder, the events and the counters; plugins that hang, block or
 * throw are handled by their failure policy; plugins come and go while mail flows.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class PolicyIT extends SuiteSupport {

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private int port;

    @After
    public void release() {
        released.countDown();
    }

    /** The suite, with a binding named {@code mx-test} on 127.0.0.1 (an Internal address) that offers AUTH. */
    private void start() throws Exception {
        Dictionary<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, SmtpEvents.POLICY_VERDICT);
        context.registerService(EventHandler.class, events::add, topics);
        context.registerService(Authenticator.class,
                (user, password) -> user.equals("alice") && new String(password).equals("pw") ? "alice" : null, null);
        configureDelivery("bob@example.org", "carol@example.org");
        configure("smtp.server", "hostName", "mx.itest", "scanDirectory", work.resolve("scan").toString(),
                "quarantineDirectory", work.resolve("quarantine").toString(), "maxBadCommands", 3);
        port = freePort();
        createFactoryConfiguration("smtp.server.binding", "name", "mx-test", "address", "127.0.0.1", "port", port,
                "authWithoutTls", true);
        startSuite();
        awaitListening("127.0.0.1", port);
        awaitProbeGone();
    }

    private ServiceRegistration<PolicyPlugin> register(PolicyPlugin plugin, Object... properties) {
        return context.registerService(PolicyPlugin.class, plugin, properties(properties));
    }

    private static Dictionary<String, Object> properties(Object... keysAndValues) {
        Dictionary<String, Object> properties = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = (String) keysAndValues[i];
            properties.put(key.equals(Constants.SERVICE_RANKING) ? key : "smtp.policy." + key, keysAndValues[i + 1]);
        }
        return properties;
    }

    private static CompletableFuture<PolicyVerdict> now(PolicyVerdict verdict) {
        return CompletableFuture.completedFuture(verdict);
    }

    private ListenerStatus status() {
        ServiceReference<ListenerStatus> ref = context.getServiceReference(ListenerStatus.class);
        return context.getService(ref);
    }

    private SmtpClient.Reply sendOne(String recipient) throws IOException {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.Reply greeting = client.greeting;
            if (greeting.code != 220) {
                return greeting;
            }
            SmtpClient.Reply hello = client.command("EHLO policy.test");
            if (hello.code != 250) {
                return hello;
            }
            return client.attempt("alice@client.test", List.of(recipient), MailFlowIT.MESSAGE);
        }
    }

    @Test
    public void everyStageIsAskedWithItsFactsAndTheVerdictsReachClientMessageEventsAndCounters() throws Exception {
        start();
        List<PolicyFacts> seen = new CopyOnWriteArrayList<>();
        register(facts -> {
            seen.add(facts);
            switch (facts.stage) {
                case MAIL:
                    return now(PolicyVerdict.proceed().withHeader("X-Policy-Sender", facts.sender));
                case RCPT:
                    return now(facts.recipient.startsWith("carol@")
                            ? PolicyVerdict.reject(550, "5.7.1", "carol takes no mail from you") : PolicyVerdict.proceed());
                case END_OF_MESSAGE:
                    try (InputStream content = facts.content.open()) {
                        return now(PolicyVerdict.proceed().withHeader("X-Policy-Read", content.readAllBytes().length
                                + " bytes of " + facts.content.size()));
                    } catch (IOException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                default:
                    return now(PolicyVerdict.proceed());
            }
        }, "name", "recorder");

        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertEquals(220, client.greeting.code);
            SmtpClient.expect(client.command("EHLO policy.test"), 250);
            String plain = Base64.getEncoder().encodeToString("\0alice\0pw".getBytes(StandardCharsets.UTF_8));
            SmtpClient.expect(client.command("AUTH PLAIN " + plain), 235);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test> SIZE=300"), 250);
            assertEquals("550 5.7.1 carol takes no mail from you", client.command("RCPT TO:<carol@example.org>").toString());
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(SmtpClient.dataOf(MailFlowIT.MESSAGE));
            SmtpClient.expect(client.read(), 250);
            SmtpClient.expect(client.command("QUIT"), 221);
        }

        String delivered = Files.readString(awaitMessages("bob@example.org", 1).get(0));
        assertTrue(delivered, delivered.indexOf("\r\nX-Policy-Sender: alice@client.test\r\n") >= 0
                && delivered.indexOf("\r\nX-Policy-Sender: ") < delivered.indexOf("\r\nReceived: "));
        String read = delivered.substring(delivered.indexOf("X-Policy-Read: "), delivered.indexOf("\r\nReceived: "));
        long stored = delivered.substring(delivered.indexOf("Received: ")).getBytes(StandardCharsets.UTF_8).length;
        assertEquals("X-Policy-Read: " + stored + " bytes of " + MailFlowIT.MESSAGE.length, read);

        List<PolicyStage> stages = seen.stream().map(facts -> facts.stage).toList();
        assertEquals(List.of(PolicyStage.CONNECT, PolicyStage.HELO, PolicyStage.AUTH, PolicyStage.MAIL, PolicyStage.RCPT,
                PolicyStage.RCPT, PolicyStage.END_OF_MESSAGE), stages);
        PolicyFacts connect = seen.get(0);
        assertEquals("127.0.0.1", connect.clientAddress);
        assertEquals("127.0.0.1", connect.peerAddress);
        assertFalse(connect.proxied);
        assertEquals("mx-test", connect.binding);
        assertEquals("internal", connect.usage);
        assertEquals(port, connect.localPort);
        assertNull(connect.heloName);
        assertEquals("policy.test", seen.get(1).heloName);
        assertEquals("alice", seen.get(2).authenticatedUser);
        assertEquals("alice@client.test", seen.get(3).sender);
        assertEquals(Map.of("SIZE", "300"), seen.get(3).mailParameters);
        assertEquals("carol@example.org", seen.get(4).recipient);
        assertEquals(List.of(), seen.get(4).recipients);
        assertEquals("bob@example.org", seen.get(5).recipient);
        PolicyFacts end = seen.get(6);
        assertEquals(List.of("bob@example.org"), end.recipients);
        assertNotNull(end.queueId);
        assertEquals(seen.get(0).sessionId, end.sessionId);

        Event refusal = await("the REJECT event", () -> events.stream()
                .filter(event -> "REJECT".equals(event.getProperty(SmtpEvents.ACTION))).findFirst().orElse(null));
        assertEquals("recorder", refusal.getProperty(SmtpEvents.POLICY));
        assertEquals("RCPT", refusal.getProperty(SmtpEvents.STAGE));
        assertEquals("550 5.7.1 carol takes no mail from you", refusal.getProperty(SmtpEvents.REPLY));
        assertEquals("carol@example.org", refusal.getProperty(SmtpEvents.RECIPIENT));
        assertEquals("alice@client.test", refusal.getProperty(SmtpEvents.SENDER));
        assertEquals("mx-test", refusal.getProperty(SmtpEvents.BINDING));
        assertEquals("alice", refusal.getProperty(SmtpEvents.USER));
        assertTrue(refusal.getProperty(SmtpEvents.DURATION) instanceof Long);
        await("seven verdict events", () -> events.size() == 7 ? true : null);
        Map<String, Long> counted = status().counters().policyVerdicts.get("recorder");
        assertEquals(Map.of("CONTINUE", 6L, "REJECT", 1L), counted);
    }

    @Test
    public void refusalsAtEachStageAndQuarantine() throws Exception {
        start();
        AtomicInteger mode = new AtomicInteger();
        register(facts -> {
            switch (mode.get()) {
                case 0:
                    return now(facts.stage == PolicyStage.CONNECT ? PolicyVerdict.reject(554, "5.7.1", "you are listed")
                            : PolicyVerdict.proceed());
                case 1:
                    return now(facts.stage == PolicyStage.CONNECT ? PolicyVerdict.defer("busy, come back later")
                            : PolicyVerdict.proceed());
                case 2:
                    return now(facts.stage == PolicyStage.HELO ? PolicyVerdict.disconnect("bad HELO, goodbye")
                            : PolicyVerdict.proceed());
                default:
                    return now(facts.stage == PolicyStage.RCPT ? PolicyVerdict.quarantine("held for review")
                            : PolicyVerdict.proceed());
            }
        }, "name", "stages");

        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertEquals("554 5.7.1 mx.itest you are listed", client.greeting.toString());
            assertEquals("503 5.7.1 you are listed", client.command("EHLO refused.test").toString());
            assertEquals(503, client.command("MAIL FROM:<alice@client.test>").code);
            SmtpClient.expect(client.command("QUIT"), 221);
        }
        mode.set(1);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertEquals("421 4.7.1 mx.itest busy, come back later", client.greeting.toString());
            assertEquals("", client.readUntilClosed());
        }
        mode.set(2);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertEquals("421 4.7.0 mx.itest bad HELO, goodbye", client.command("EHLO bad.test").toString());
            assertEquals("", client.readUntilClosed());
        }
        mode.set(3);
        SmtpClient.Reply queued = sendOne("bob@example.org");
        assertEquals(250, queued.code);
        String queueId = queued.text().substring(queued.text().lastIndexOf(' ') + 1);
        Path quarantine = work.resolve("quarantine");
        String note = Files.readString(await("the quarantine note", () -> {
            Path file = quarantine.resolve(queueId + ".txt");
            return Files.exists(file) ? file : null;
        }));
        assertTrue(note, note.contains("reason: stages: held for review"));
        assertTrue(Files.readString(quarantine.resolve(queueId + ".eml")).contains("Subject: "));
        assertEquals(List.of(), files(mailbox("bob@example.org")));
    }

    @Test
    public void pluginsThatHangBlockOrThrowAreHandledByTheirFailurePolicy() throws Exception {
        start();
        PolicyPlugin hanging = facts -> new CompletableFuture<>(); // never answers
        PolicyPlugin blocking = facts -> {
            try {
                released.await(); // holds the thread it is called on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return now(PolicyVerdict.proceed());
        };
        PolicyPlugin throwing = facts -> {
            throw new IllegalStateException("plugin bug");
        };
        for (PolicyPlugin plugin : List.of(hanging, blocking, throwing)) {
            ServiceRegistration<PolicyPlugin> registration = register(plugin, "name", "faulty", "stages", "RCPT",
                    "timeout", 300L, "onFailure", "tempfail");
            assertEquals("451 4.7.1 Policy check faulty unavailable, try again later",
                    sendOne("bob@example.org").toString());
            registration.setProperties(properties("name", "faulty", "stages", "RCPT", "timeout", 300L, "onFailure",
                    "reject"));
            assertEquals("550 5.7.1 Policy check faulty failed", sendOne("bob@example.org").toString());
            registration.setProperties(properties("name", "faulty", "stages", "RCPT", "timeout", 300L, "onFailure",
                    "continue"));
            assertEquals(250, sendOne("bob@example.org").code);
            registration.unregister();
        }
        assertEquals(3, files(mailbox("bob@example.org")).size());
        Event failed = await("a failure event", () -> events.stream()
                .filter(event -> "java.lang.IllegalStateException: plugin bug".equals(event.getProperty(SmtpEvents.FAILURE)))
                .findFirst().orElse(null));
        assertEquals("faulty", failed.getProperty(SmtpEvents.POLICY));
        assertTrue(events.stream().anyMatch(event -> "no answer within 300 ms".equals(event.getProperty(SmtpEvents.FAILURE))
                && "CONTINUE".equals(event.getProperty(SmtpEvents.ACTION))));
    }

    @Test
    public void pluginsAreAskedOnTheirBindingsAndUsageOnlyAndComeAndGoWhileMailFlows() throws Exception {
        start();
        ServiceRegistration<PolicyPlugin> external = register(facts -> now(PolicyVerdict.reject("external only")),
                "name", "external", "usage", new String[] {"external"});
        ServiceRegistration<PolicyPlugin> elsewhere = register(facts -> now(PolicyVerdict.reject("other binding")),
                "name", "elsewhere", "bindings", new String[] {"submission"});
        assertEquals(250, sendOne("bob@example.org").code);
        elsewhere.setProperties(properties("name", "elsewhere", "bindings", new String[] {"submission", "mx-test"}));
        assertEquals("550 5.7.1 mx.itest other binding", sendOne("bob@example.org").toString()); // at connect
        external.unregister();
        elsewhere.unregister();

        // a sender keeps sending while a plugin comes, refuses and goes
        ExecutorService sender = Executors.newSingleThreadExecutor();
        AtomicBoolean sending = new AtomicBoolean(true);
        List<String> replies = new CopyOnWriteArrayList<>();
        try {
            Future<?> flow = sender.submit(() -> {
                for (int i = 0; i < 2000 && sending.get(); i++) {
                    replies.add(sendOne("bob@example.org").toString());
                }
                return null;
            });
            await("mail flowing", () -> replies.size() >= 5 ? true : null);
            ServiceRegistration<PolicyPlugin> greylist = register(facts -> now(PolicyVerdict.defer("come back later")),
                    "name", "flowing", "stages", "RCPT");
            int before = replies.size();
            await("the plugin's refusals", () -> replies.size() >= before + 5 ? true : null);
            greylist.unregister();
            int after = replies.size();
            await("mail flowing again", () -> replies.size() >= after + 5 ? true : null);
            sending.set(false);
            flow.get(30, TimeUnit.SECONDS);
        } finally {
            sending.set(false);
            sender.shutdownNow();
        }
        for (String reply : replies) {
            assertTrue(reply, reply.startsWith("250 2.0.0 Ok: queued as ") || reply.equals("451 4.7.1 come back later"));
        }
        assertTrue(replies.contains("451 4.7.1 come back later"));
        assertTrue(replies.get(replies.size() - 1).startsWith("250 "));
        assertTrue(replies.get(0).startsWith("250 "));
    }

    @Test
    public void behindAProxyTheFactsNameTheClientTheProxyNamedAndThePeer() throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", "hostName", "mx.itest");
        port = freePort();
        createFactoryConfiguration("smtp.server.binding", "name", "behind-proxy", "address", "127.0.0.1", "port", port,
                "proxyProtocol", true, "proxyNetworks", new String[] {"127.0.0.0/8"});
        startSuite();
        awaitListening("127.0.0.1", port);
        List<PolicyFacts> seen = new CopyOnWriteArrayList<>();
        register(facts -> {
            seen.add(facts);
            return now(PolicyVerdict.proceed());
        }, "name", "recorder", "stages", "CONNECT");
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.bind(new java.net.InetSocketAddress("127.0.0.7", 0));
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(15000);
            socket.getOutputStream().write("PROXY TCP4 203.0.113.9 192.0.2.25 40001 25\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] greeting = new byte[3];
            assertEquals(3, socket.getInputStream().readNBytes(greeting, 0, 3));
            assertEquals("220", new String(greeting, StandardCharsets.US_ASCII));
        }
        PolicyFacts connect = await("the connect facts", () -> seen.isEmpty() ? null : seen.get(0));
        assertEquals("203.0.113.9", connect.clientAddress);
        assertEquals(40001, connect.clientPort);
        assertTrue(connect.proxied);
        assertEquals("127.0.0.7", connect.peerAddress);
        assertEquals("192.0.2.25", connect.localAddress);
        assertEquals("behind-proxy", connect.binding);
    }
}
