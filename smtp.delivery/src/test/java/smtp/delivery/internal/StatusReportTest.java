package smtp.delivery.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.api.Envelope;

/**
 * What the sender asked for in its envelope, honoured on the way out: DSN parameters passed on to a server that
 * offers DSN, the reports the sender asked for (or none), and the extensions a message needs from the next server
 * (SMTPUTF8, BINARYMIME, REQUIRETLS) or a bounce with the status code of their RFC, never a silent downgrade.
 */
public class StatusReportTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static final String BODY = "Subject: hi\r\nFrom: alice@example.org\r\n\r\nthe body\r\n";

    private DeliveryService service(int smarthostPort, Object... settings) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("mailboxes", new String[] {"alice@example.org", "bob@example.org"},
                "smarthost", "127.0.0.1:" + smarthostPort));
        for (int i = 0; i < settings.length; i += 2) {
            values.put((String) settings[i], settings[i + 1]);
        }
        return DeliveryConfigs.service(folder.getRoot().toPath(), values);
    }

    private static Envelope envelope(Consumer<Envelope> parameters, String... to) {
        Envelope envelope = new Envelope();
        envelope.reversePath = "alice@example.org";
        envelope.recipients = List.of(to);
        parameters.accept(envelope);
        return envelope;
    }

    private List<String> reports() throws Exception {
        Path dir = folder.getRoot().toPath().resolve("mail/example.org/alice/new");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> texts = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : list.toList()) {
                texts.add(Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        return texts;
    }

    private void awaitEmptyQueue() throws Exception {
        Path queue = folder.getRoot().toPath().resolve("spool/queue");
        Await.until("the queue to empty", () -> {
            try (Stream<Path> files = Files.list(queue)) {
                return files.findAny().isEmpty() ? true : null;
            }
        });
    }

    @Test
    public void dsnParametersGoToAServerThatOffersDsnWhichThenReports() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued").withExtensions("DSN")) {
            DeliveryService service = service(peer.port());
            try {
                service.deliver(envelope(e -> {
                    e.dsnReturn = "HDRS";
                    e.dsnEnvelopeId = "QQ+2B1";
                    e.dsnNotify.put("carol@remote.test", "SUCCESS,FAILURE");
                    e.dsnOriginalRecipient.put("carol@remote.test", "rfc822;carol@remote.test");
                }, "carol@remote.test"), new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                Await.until("the relayed message", () -> peer.messages.isEmpty() ? null : true);
                awaitEmptyQueue();
                assertTrue(peer.commands.toString(), peer.commands.contains("MAIL FROM:<alice@example.org> SIZE="
                        + BODY.length() + " BODY=8BITMIME RET=HDRS ENVID=QQ+2B1"));
                assertTrue(peer.commands.toString(), peer.commands.contains(
                        "RCPT TO:<carol@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;carol@remote.test"));
                assertEquals("the next server reports, not this one", List.of(), reports());
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void withoutDsnAtTheNextServerTheSenderGetsARelayedReportAndNoParameters() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port());
            try {
                service.deliver(envelope(e -> {
                    e.dsnEnvelopeId = "QQ+2B1";
                    e.dsnNotify.put("carol@remote.test", "SUCCESS");
                    e.dsnOriginalRecipient.put("carol@remote.test", "rfc822;carol@remote.test");
                }, "carol@remote.test"), new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                List<String> reports = Await.until("the relayed report", () -> reports().isEmpty() ? null : reports());
                assertTrue(peer.commands.toString(), peer.commands.contains("RCPT TO:<carol@remote.test>"));
                String report = reports.get(0);
                assertTrue(report, report.contains("Subject: Successful Mail Delivery Report\r\n"));
                assertTrue(report, report.contains("Original-Envelope-Id: QQ+2B1\r\n"));
                assertTrue(report, report.contains("Original-Recipient: rfc822;carol@remote.test\r\n"
                        + "Final-Recipient: rfc822; carol@remote.test\r\nAction: relayed\r\nStatus: 2.0.0\r\n"));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void notifyNeverSuppressesTheBounceAndRetFullReturnsTheMessage() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "550 5.1.1 no such user", n -> "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port());
            try {
                service.deliver(envelope(e -> {
                    e.dsnReturn = "FULL";
                    e.dsnNotify.put("carol@remote.test", "NEVER");
                    e.dsnNotify.put("dave@remote.test", "FAILURE");
                }, "carol@remote.test", "dave@remote.test"), new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                List<String> reports = Await.until("the bounce", () -> reports().isEmpty() ? null : reports());
                awaitEmptyQueue();
                assertEquals(1, reports().size());
                String bounce = reports.get(0);
                assertTrue(bounce, bounce.contains("Final-Recipient: rfc822; dave@remote.test\r\nAction: failed\r\n"));
                assertFalse("NOTIFY=NEVER: " + bounce, bounce.contains("carol@remote.test"));
                assertTrue(bounce, bounce.contains("Content-Type: message/rfc822\r\n\r\n" + BODY));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aServerWithoutTheExtensionsAMessageNeedsMakesItBounceWithTheirStatusCodes() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port());
            try {
                service.deliver(envelope(e -> e.smtputf8 = true, "j\u00f6rg@remote.test"),
                        new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                service.deliver(envelope(e -> e.body = Envelope.BODY_BINARYMIME, "carol@remote.test"),
                        new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                service.deliver(envelope(e -> e.requireTls = true, "dave@remote.test"),
                        new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                Await.until("three bounces", () -> reports().size() >= 3 ? true : null);
                awaitEmptyQueue();
                String all = String.join("\n", reports());
                assertTrue(all, all.contains("Final-Recipient: rfc822; j\u00f6rg@remote.test\r\nAction: failed\r\nStatus: 5.6.7\r\n"));
                assertTrue(all, all.contains("Final-Recipient: rfc822; carol@remote.test\r\nAction: failed\r\nStatus: 5.6.3\r\n"));
                assertTrue(all, all.contains("Final-Recipient: rfc822; dave@remote.test\r\nAction: failed\r\nStatus: 5.7.10\r\n"));
                assertEquals("no message went out", List.of(), peer.messages);
                assertFalse("not even a MAIL", peer.commands.stream().anyMatch(c -> c.startsWith("MAIL")));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void binaryMimeAndSmtputf8GoToAServerThatTakesThem() throws Exception {
        String binary = "Subject: bin\r\n\r\n\u0000\u00ff bare\nline\r\n.\r\n";
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "250 2.1.5 Ok", n -> "250 2.0.0 queued")
                .withExtensions("CHUNKING", "BINARYMIME", "SMTPUTF8")) {
            DeliveryService service = service(peer.port());
            try {
                service.deliver(envelope(e -> {
                    e.body = Envelope.BODY_BINARYMIME;
                    e.smtputf8 = true;
                }, "j\u00f6rg@remote.test"), new ByteArrayInputStream(binary.getBytes(StandardCharsets.ISO_8859_1)));
                Await.until("the relayed message", () -> peer.messages.isEmpty() ? null : true);
                assertEquals("the bytes as they were, in one BDAT chunk", binary, peer.messages.get(0));
                assertTrue(peer.commands.toString(), peer.commands.contains("MAIL FROM:<alice@example.org> SIZE="
                        + binary.length() + " BODY=BINARYMIME SMTPUTF8"));
                assertTrue(peer.commands.toString(), peer.commands.contains("BDAT " + binary.length() + " LAST"));
                awaitEmptyQueue();
                assertEquals(List.of(), reports());
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aDelayIsReportedOnceWhenTheSenderAskedForIt() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(rcpt -> "451 4.3.0 try again later", n -> "250 2.0.0 queued")) {
            DeliveryService service = service(peer.port(), "delayNotice", 1, "retryIntervals", new int[] {1});
            try {
                service.deliver(envelope(e -> {
                    e.dsnNotify.put("carol@remote.test", "DELAY,FAILURE");
                    e.dsnEnvelopeId = "D1";
                }, "carol@remote.test"), new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
                Await.until("four attempts", () -> peer.commands.stream().filter(c -> c.startsWith("RCPT")).count() >= 4
                        ? true : null);
                List<String> reports = reports();
                assertEquals("one delay report, however many attempts: " + reports, 1, reports.size());
                String report = reports.get(0);
                assertTrue(report, report.contains("Subject: Delayed Mail (still being retried)\r\n"));
                assertTrue(report, report.contains("Action: delayed\r\nStatus: 4.3.0\r\n"));
            } finally {
                service.stop();
            }
        }
    }

    @Test
    public void aLocalDeliveryIsReportedWhenTheSenderAskedForIt() throws Exception {
        DeliveryService service = service(ScriptedPeer.closedPort());
        try {
            service.deliver(envelope(e -> e.dsnNotify.put("bob@example.org", "SUCCESS"), "bob@example.org"),
                    new ByteArrayInputStream(BODY.getBytes(StandardCharsets.US_ASCII)));
            List<String> reports = Await.until("the delivered report", () -> reports().isEmpty() ? null : reports());
            assertTrue(reports.get(0), reports.get(0).contains("Final-Recipient: rfc822; bob@example.org\r\n"
                    + "Action: delivered\r\nStatus: 2.0.0\r\n"));
            Path bob = folder.getRoot().toPath().resolve("mail/example.org/bob/new");
            try (Stream<Path> files = Files.list(bob)) {
                assertEquals(1, files.count());
            }
        } finally {
            service.stop();
        }
    }
}
