package smtp.delivery.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;
import smtp.delivery.api.RecipientStatus;

public class DeliveryServiceTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private DeliveryService service() throws Exception {
        return DeliveryConfigs.service(folder.getRoot().toPath(), Map.of("localDomains", new String[] {"Example.ORG"},
                "mailboxes", new String[] {"bob@example.org"}, "hostName", "unit",
                "smarthost", "127.0.0.1:" + ScriptedPeer.closedPort()));
    }

    private static Envelope envelope(String... recipients) {
        Envelope envelope = new Envelope();
        envelope.reversePath = "alice@client.test";
        envelope.recipients = List.of(recipients);
        return envelope;
    }

    private List<Path> newMail(String user) throws Exception {
        Path folderNew = folder.getRoot().toPath().resolve("mail/example.org").resolve(user).resolve("new");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(folderNew)) {
                try (Stream<Path> files = Files.list(folderNew)) {
                    List<Path> list = files.toList();
                    if (!list.isEmpty()) {
                        return list;
                    }
                }
            }
            Thread.sleep(20);
        }
        return List.of();
    }

    @Test
    public void classifiesRecipients() throws Exception {
        DeliveryService service = service();
        try {
            assertEquals(RecipientStatus.LOCAL, service.checkRecipient("bob@example.org"));
            assertEquals(RecipientStatus.LOCAL, service.checkRecipient("BOB@EXAMPLE.org"));
            assertEquals(RecipientStatus.LOCAL, service.checkRecipient("postmaster@example.org"));
            assertEquals(RecipientStatus.UNKNOWN, service.checkRecipient("carol@example.org"));
            assertEquals(RecipientStatus.UNKNOWN, service.checkRecipient("../../etc@example.org"));
            assertEquals(RecipientStatus.UNKNOWN, service.checkRecipient("not-an-address"));
            assertEquals(RecipientStatus.REMOTE, service.checkRecipient("dave@elsewhere.test"));
        } finally {
            service.stop();
        }
    }

    @Test
    public void deliversLocallyAndKeepsRemoteRecipientsQueued() throws Exception {
        DeliveryService service = service();
        byte[] content = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        String queueId;
        try {
            queueId = service.deliver(envelope("bob@example.org", "dave@elsewhere.test", "bob@example.org"),
                    new ByteArrayInputStream(content));
            List<Path> delivered = newMail("bob");
            assertEquals(1, delivered.size());
            byte[] stored = Files.readAllBytes(delivered.get(0));
            String head = "Return-Path: <alice@client.test>\r\nDelivered-To: bob@example.org\r\n";
            assertArrayEquals(content, Arrays.copyOfRange(stored, head.length(), stored.length));
            assertTrue(new String(stored, StandardCharsets.US_ASCII).startsWith(head));
            assertTrue(delivered.get(0).getFileName().toString().endsWith("." + queueId + ".unit"));
        } finally {
            service.stop();
        }
        // a restart resumes the spool: the remote recipient is still queued, bob is not delivered twice
        DeliveryService again = service();
        try {
            String listing = again.queue();
            assertTrue(listing, listing.contains(queueId) && listing.contains("[dave@elsewhere.test]"));
            assertTrue(listing, listing.endsWith("1 message(s) queued"));
            again.stop(); // waits until the worker has done everything the restart gave it
            assertEquals(1, newMail("bob").size());
        } finally {
            again.stop();
        }
    }

    @Test
    public void aMessageSpooledButNotYetDeliveredIsDeliveredAtTheNextStart() throws Exception {
        Path root = folder.getRoot().toPath();
        Envelope envelope = envelope("bob@example.org");
        envelope.queueId = "CRASHED1";
        envelope.receivedAt = 1_700_000_000_000L;
        byte[] content = "Subject: before the crash\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        new Spool(root.resolve("spool")).store(envelope, new ByteArrayInputStream(content)); // committed, then the process died
        DeliveryService service = service();
        try {
            service.stop(); // waits for the resumed work
            List<Path> delivered = newMail("bob");
            assertEquals(1, delivered.size());
            assertEquals("1700000000.CRASHED1.unit", delivered.get(0).getFileName().toString());
            byte[] stored = Files.readAllBytes(delivered.get(0));
            assertArrayEquals(content, Arrays.copyOfRange(stored, stored.length - content.length, stored.length));
            assertEquals("0 message(s) queued", service.queue());
        } finally {
            service.stop();
        }
    }

    @Test
    public void refusesUnknownMailboxesAndBadEnvelopes() throws Exception {
        DeliveryService service = service();
        try {
            DeliveryException unknown = assertThrows(DeliveryException.class,
                    () -> service.deliver(envelope("carol@example.org"), new ByteArrayInputStream(new byte[1])));
            assertTrue(unknown.isPermanent());
            assertTrue(unknown.getMessage(), unknown.getMessage().contains("carol@example.org"));
            for (Envelope bad : new Envelope[] {envelope(), envelope("bob@example.org\r\nDATA"), queueId(envelope("bob@example.org"), "../x")}) {
                assertTrue(assertThrows(DeliveryException.class,
                        () -> service.deliver(bad, new ByteArrayInputStream(new byte[1]))).isPermanent());
            }
            assertEquals("0 message(s) queued", service.queue());
        } finally {
            service.stop();
        }
    }

    private static Envelope queueId(Envelope envelope, String id) {
        envelope.queueId = id;
        return envelope;
    }
}
