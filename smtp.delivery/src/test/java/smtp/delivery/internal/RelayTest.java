package smtp.delivery.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.api.Envelope;

/** The relay end to end: the delivery service, its queue and a scripted SMTP peer as smarthost. */
public class RelayTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static final String BODY = "Subject: hi\r\nFrom: alice@example.org\r\n\r\n.dotted line\r\nbye\r\n";

    private DeliveryService service(int smarthostPort) throws Exception {
        return service(Map.of("smarthost", "127.0.0.1:" + smarthostPort));
    }

    private DeliveryService service(Map<String, Object> settings) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("mailboxes", new String[] {"alice@example.org"}));
        values.putAll(settings);
        return DeliveryConfigs.service(folder.getRoot().toPath(), values);
    }

    private static String send(DeliveryService service, String from, String... to) throws Exception {
        Envelope envelope = new Envelope();
        envelope.reversePath = from;
        envelope.recipients = List.of(to);
        return service.deliver(envelope, new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
    }

    private List<Path> files(String folderPath) throws Exception {
        Path dir = folder.getRoot().toPath().resolve(folderPath);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.toList();
        }
    }

    @Test
    public void relaysToTheSmarthostWithPipeliningSizeAndEightBitMime() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port());
            try {
                send(service, "alice@example.org", "carol@remote.test", "dave@remote.test");
                Await.until("the relayed message", () -> peer.messages.isEmpty() ? null : true);
                assertEquals(BODY, peer.messages.get(0));
                assertTrue(peer.commands.toString(), peer.commands.contains("MAIL FROM:<alice@example.org> SIZE="
                        + BODY.length() + " BODY=8BITMIME"));
                assertTrue(peer.commands.contains("RCPT TO:<carol@remote.test>"));
                assertTrue(peer.commands.contains("RCPT TO:<dave@remote.test>"));
                assertEquals("one connection carries both recipients", 1, peer.commands.stream().filter(c -> c.startsWith("MAIL")).count());
                Await.until("the spool to empty", () -> files("spool/queue").isEmpty() ? true : null);
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aNextHopTakesEveryRecipientWhateverItsDomainAndNoCredentials() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued")) {
            // a smarthost that is not there, with credentials: neither may be used for an intercepted message
            DeliveryService service = service(Map.of("smarthost", "127.0.0.1:1", "smarthostUser", "relay",
                    "_smarthostPassword", "secret"));
            try {
                Envelope envelope = new Envelope();
                envelope.reversePath = "someone@client.test";
                envelope.recipients = List.of("alice@example.org", "carol@remote.test");
                envelope.nextHop = "127.0.0.1:" + peer.port();
                service.deliver(envelope, new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                Await.until("the message at the next hop", () -> peer.messages.isEmpty() ? null : true);
                assertTrue("a local mailbox's address too", peer.commands.contains("RCPT TO:<alice@example.org>"));
                assertTrue(peer.commands.contains("RCPT TO:<carol@remote.test>"));
                assertTrue(peer.commands.toString(), peer.commands.stream().noneMatch(c -> c.startsWith("AUTH")));
                assertEquals(List.of(), files("mail/example.org/alice/new"));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aTemporaryFailureIsRetriedAndThenDelivered() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> n == 1 ? "451 4.3.0 try again later" : "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port());
            try {
                String queueId = send(service, "alice@example.org", "carol@remote.test");
                Await.until("the second attempt", () -> peer.messages.size() >= 2 ? true : null);
                Await.until("the spool to empty", () -> files("spool/queue").isEmpty() ? true : null);
                assertEquals(2, peer.messages.size());
                assertTrue(service.show(queueId), service.show(queueId).startsWith("no message"));
                assertEquals("no bounce", List.of(), files("mail/example.org/alice/new"));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aPermanentFailureBouncesToTheSenderAndTheOthersAreDelivered() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> rcpt.startsWith("carol") ? "550 5.1.1 <carol@remote.test>: no such user"
                : "250 2.1.5 Ok", n -> "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port());
            try {
                String queueId = send(service, "alice@example.org", "carol@remote.test", "dave@remote.test");
                List<Path> bounces = Await.until("the bounce", () -> {
                    List<Path> found = files("mail/example.org/alice/new");
                    return found.isEmpty() ? null : found;
                });
                String bounce = Files.readString(bounces.get(0));
                assertTrue(bounce, bounce.startsWith("Return-Path: <>\r\nDelivered-To: alice@example.org\r\n"));
                assertTrue(bounce, bounce.contains("Content-Type: multipart/report; report-type=delivery-status;"));
                assertTrue(bounce, bounce.contains("X-Queue-ID: " + queueId + "\r\n"));
                assertTrue(bounce, bounce.contains("Final-Recipient: rfc822; carol@remote.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"));
                assertTrue(bounce, bounce.contains("Content-Type: text/rfc822-headers\r\n\r\nSubject: hi\r\nFrom: alice@example.org\r\n\r\n--"));
                assertTrue("dave was delivered, not bounced", !bounce.contains("dave@remote.test"));
                assertEquals(1, peer.messages.size());
                Await.until("the spool to empty", () -> files("spool/queue").isEmpty() ? true : null);
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void theNullSenderGetsNoBounce() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "550 5.1.1 no such user", n -> "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port());
            try {
                send(service, "", "carol@remote.test");
                Await.until("the refused attempt", () -> peer.commands.stream().anyMatch(c -> c.startsWith("RCPT")) ? true : null);
                Await.until("the spool to empty", () -> files("spool/queue").isEmpty() ? true : null);
                assertEquals(List.of(), files("mail/example.org/alice/new"));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void relaysToTheMxHostFoundInDns() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued");
                Dnsmasq dns = new Dnsmasq(folder.newFile("dnsmasq.log"), "--mx-host=remote.test,mail.remote.test,10",
                        "--host-record=mail.remote.test,127.0.0.1")) {
            DeliveryService service = service(Map.of("dnsResolver", dns.address(), "mxPort", peer.port()));
            try {
                send(service, "alice@example.org", "carol@remote.test");
                Await.until("the message at the MX host", () -> peer.messages.isEmpty() ? null : true);
                assertEquals(BODY, peer.messages.get(0));
                Await.until("the spool to empty", () -> files("spool/queue").isEmpty() ? true : null);
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aRestartInTheMiddleOfTheQueueLosesNothingAndSendsNothingTwice() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> n == 1 ? "451 4.3.0 later" : "250 2.0.0 queued")) {
            Map<String, Object> slowRetry = Map.of("smarthost", "127.0.0.1:" + peer.port(), "retryIntervals", new int[] {3600});
            DeliveryService first = service(slowRetry);
            String queueId;
            try {
                queueId = send(first, "alice@example.org", "carol@remote.test");
                Await.until("the deferred attempt", () -> first.show(queueId).contains("attempts:      1") ? true : null);
            } finally {
                first.stop();
            }
            // the next attempt is an hour away: a restart keeps that time, an operator's retry runs it now
            DeliveryService second = service(slowRetry);
            try {
                assertTrue(second.queue(), second.queue().contains(queueId));
                assertEquals(queueId + ": trying again now", second.retry(queueId));
                Await.until("the spool to empty", () -> files("spool/queue").isEmpty() ? true : null);
                second.stop();
                assertEquals("one refused attempt, one delivery", 2, peer.messages.size());
            } finally {
                second.stop();
            }
        }
    }

    @Test
    public void connectionsPerDestinationAreLimited() throws Exception {
        for (int limit : new int[] {1, 3}) {
            try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued").withDataDelay(300)) {
                DeliveryService service = service(Map.of("smarthost", "127.0.0.1:" + peer.port(),
                        "maxConnectionsPerDestination", limit, "maxOutboundConnections", 6,
                        "retryIntervals", new int[] {3600})); // a busy destination is retried soon all the same
                try {
                    for (int i = 0; i < 6; i++) {
                        send(service, "alice@example.org", "carol@remote.test");
                    }
                    Await.until("all six relayed", () -> peer.messages.size() >= 6 ? true : null);
                    Await.until("the spool to empty", () -> files("spool/queue").isEmpty() ? true : null);
                } finally {
                    service.stop();
                }
                assertTrue("at most " + limit + " at once, saw " + peer.mostAtOnce.get(), peer.mostAtOnce.get() <= limit);
                if (limit > 1) {
                    assertTrue("the limit, not chance, kept it at one: saw " + peer.mostAtOnce.get(), peer.mostAtOnce.get() > 1);
                }
            }
        }
    }

    @Test
    public void theGogoSendCommandQueuesAMessageWithoutAnyServer() throws Exception {
        DeliveryService service = service(ScriptedPeer.closedPort());
        try {
            String reply = service.send("monitor@example.org", "alice@example.org", "started", "The monitor is up.");
            assertTrue(reply, reply.startsWith("queued as "));
            Path delivered = Await.until("the message", () -> {
                List<Path> found = files("mail/example.org/alice/new");
                return found.isEmpty() ? null : found.get(0);
            });
            assertTrue(Files.readString(delivered).endsWith("Subject: started\r\n\r\nThe monitor is up.\r\n"));
        } finally {
            service.stop();
        }
    }

    @Test
    public void anUnreachableServerDefersAndTheQueueSaysWhy() throws Exception {
        DeliveryService service = service(ScriptedPeer.closedPort());
        try {
            String queueId = send(service, "alice@example.org", "carol@remote.test");
            String shown = Await.until("a recorded attempt", () -> {
                String text = service.show(queueId);
                return text.contains("attempts:      0") ? null : text;
            });
            assertTrue(shown, shown.contains("recipients:    [carol@remote.test]"));
            assertTrue(shown, shown.contains("last error:    127.0.0.1 [127.0.0.1]: Connection refused"));
            // deleted once the attempt under way has ended
            Await.until("the deletion", () -> service.remove(queueId).equals(queueId + ": deleted") ? true : null);
            DeliveryConfigs.assertEmptyQueue(service);
        } finally {
            service.stop();
        }
    }
}
