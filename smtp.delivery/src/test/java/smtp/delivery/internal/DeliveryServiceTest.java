package smtp.delivery.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import smtp.delivery.api.DeliveryEvents;
import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;
import smtp.delivery.api.RecipientStatus;
import smtp.delivery.spi.QueueEntryDTO;
import smtp.queue.spool.internal.SpoolStore;

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
            // the name comes from the message alone, so that any instance repeating the delivery finds it
            assertTrue(delivered.get(0).getFileName().toString().matches("\\d+\\." + queueId));
        } finally {
            service.stop();
        }
        // a restart resumes the queue: the remote recipient is still queued, bob is not delivered twice
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
    public void aMessageQueuedButNotYetDeliveredIsDeliveredAtTheNextStart() throws Exception {
        Path root = folder.getRoot().toPath();
        Envelope envelope = envelope("bob@example.org");
        envelope.queueId = "CRASHED1";
        envelope.receivedAt = 1_700_000_000_000L;
        byte[] content = "Subject: before the crash\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        QueueEntryDTO entry = new QueueEntryDTO();
        entry.queueId = envelope.queueId;
        entry.sender = envelope.reversePath;
        entry.recipients = envelope.recipients;
        entry.receivedAt = envelope.receivedAt;
        entry.envelope = EnvelopeCodec.encode(envelope);
        new SpoolStore(root.resolve("spool")).store(entry, new ByteArrayInputStream(content)); // stored, then the process died
        DeliveryService service = service();
        try {
            service.stop(); // waits for the resumed work
            List<Path> delivered = newMail("bob");
            assertEquals(1, delivered.size());
            assertEquals("1700000000.CRASHED1", delivered.get(0).getFileName().toString());
            byte[] stored = Files.readAllBytes(delivered.get(0));
            assertArrayEquals(content, Arrays.copyOfRange(stored, stored.length - content.length, stored.length));
            DeliveryConfigs.assertEmptyQueue(service);
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
            DeliveryConfigs.assertEmptyQueue(service);
        } finally {
            service.stop();
        }
    }

    /** An EventAdmin that records the queue ids of the events handed to it. */
    private static final class RecordingEventAdmin implements EventAdmin {
        final List<Object> queueIds = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void postEvent(Event event) {
            sendEvent(event);
        }

        @Override
        public void sendEvent(Event event) {
            assertEquals(DeliveryEvents.DELIVERED, event.getTopic());
            queueIds.add(event.getProperty(DeliveryEvents.QUEUE_ID));
        }
    }

    @Test
    public void deliveryEventsGoToTheEventAdminBoundNowAcrossAGreedyRebind() throws Exception {
        DeliveryService service = service();
        RecordingEventAdmin first = new RecordingEventAdmin();
        RecordingEventAdmin second = new RecordingEventAdmin();
        try {
            service.addEventAdmin(first);
            String one = service.deliver(envelope("bob@example.org"), new ByteArrayInputStream(new byte[] {'x'}));
            // a better EventAdmin: DS binds the new one, then unbinds the old; closing a queue delivers what it holds
            service.addEventAdmin(second);
            service.removeEventAdmin(first);
            String two = service.deliver(envelope("bob@example.org"), new ByteArrayInputStream(new byte[] {'y'}));
            service.removeEventAdmin(second);
            service.deliver(envelope("bob@example.org"), new ByteArrayInputStream(new byte[] {'z'})); // no EventAdmin
            assertEquals(List.of(one), first.queueIds);
            assertEquals(List.of(two), second.queueIds);
        } finally {
            service.stop();
        }
    }

    @Test
    public void aMessageForLocalRecipientsIsInEveryMailboxWhenDeliverReturns() throws Exception {
        DeliveryService service = service();
        byte[] content = ("Subject: straight in\r\n\r\n" + "x".repeat(200_000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try {
            String queueId = service.deliver(envelope("bob@example.org", "BOB@example.org", "postmaster@example.org"),
                    new ByteArrayInputStream(content));
            // no waiting: the copies are in new/ before deliver returns, one per Maildir whatever the spelling
            for (String[] mailbox : new String[][] {{"bob", "bob@example.org"}, {"postmaster", "postmaster@example.org"}}) {
                List<Path> delivered = files(mailbox[0], "new");
                assertEquals(mailbox[0], 1, delivered.size());
                assertTrue(delivered.get(0).getFileName().toString().matches("\\d+\\." + queueId));
                String head = "Return-Path: <alice@client.test>\r\nDelivered-To: " + mailbox[1] + "\r\n";
                byte[] stored = Files.readAllBytes(delivered.get(0));
                assertEquals(head, new String(stored, 0, head.length(), StandardCharsets.US_ASCII));
                assertArrayEquals(content, Arrays.copyOfRange(stored, head.length(), stored.length));
                assertEquals(List.of(), written(mailbox[0]));
            }
            DeliveryConfigs.assertEmptyQueue(service);
            assertEquals(List.of(), spoolFiles());
        } finally {
            service.stop();
        }
    }

    @Test
    public void aClientThatFailsMidMessageLeavesNothingInAnyMailbox() throws Exception {
        DeliveryService service = service();
        try {
            InputStream breaksOff = new SequenceInputStream(new ByteArrayInputStream(new byte[100_000]), new InputStream() {
                @Override
                public int read() throws IOException {
                    throw new IOException("connection reset");
                }
            });
            IOException e = assertThrows(IOException.class,
                    () -> service.deliver(envelope("bob@example.org", "postmaster@example.org"), breaksOff));
            assertEquals("connection reset", e.getMessage());
            for (String mailbox : new String[] {"bob", "postmaster"}) {
                assertEquals(List.of(), files(mailbox, "new"));
                assertEquals(List.of(), written(mailbox));
            }
        } finally {
            service.stop();
        }
    }

    @Test
    public void aMailboxThatCannotBeWrittenFailsTheMessageForAllItsRecipientsTemporarily() throws Exception {
        DeliveryService service = service();
        try {
            Path postmaster = folder.getRoot().toPath().resolve("mail/example.org/postmaster");
            Files.createDirectories(postmaster.resolve("new"));
            Files.createDirectories(postmaster.resolve("cur"));
            Files.writeString(postmaster.resolve("tmp"), "a file where the Maildir needs a folder");
            DeliveryException e = assertThrows(DeliveryException.class, () -> service.deliver(
                    envelope("bob@example.org", "postmaster@example.org"), new ByteArrayInputStream(new byte[1000])));
            assertFalse(e.isPermanent()); // the client gets a 4xx and tries again
            assertEquals(List.of(), files("bob", "new")); // bob's copy was written first and is gone again
            assertEquals(List.of(), written("bob"));
            assertEquals(List.of(), files("postmaster", "new"));
        } finally {
            service.stop();
        }
    }

    @Test
    public void localMailGoesThroughTheQueueOnlyWithDirectLocalDeliveryOff() throws Exception {
        for (boolean direct : new boolean[] {true, false}) {
            Path root = folder.newFolder("direct-" + direct).toPath();
            DeliveryService service = DeliveryConfigs.service(root, Map.of("directLocalDelivery", direct,
                    "mailboxes", new String[] {"bob@example.org"}, "hostName", "unit"));
            try {
                Files.delete(root.resolve("spool/queue"));
                Files.writeString(root.resolve("spool/queue"), "a file where the spool needs a folder");
                ByteArrayInputStream content = new ByteArrayInputStream("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                Path bobNew = root.resolve("mail/example.org/bob/new");
                if (direct) { // the broken queue does not matter
                    service.deliver(envelope("bob@example.org"), content);
                    try (Stream<Path> files = Files.list(bobNew)) {
                        assertEquals(1, files.count());
                    }
                } else {
                    assertFalse(assertThrows(DeliveryException.class,
                            () -> service.deliver(envelope("bob@example.org"), content)).isPermanent());
                    try (Stream<Path> files = Files.list(bobNew)) {
                        assertEquals(0, files.count());
                    }
                }
            } finally {
                service.stop();
            }
        }
    }

    private List<Path> files(String mailbox, String sub) throws IOException {
        Path dir = folder.getRoot().toPath().resolve("mail/example.org").resolve(mailbox).resolve(sub);
        if (!Files.exists(dir)) {
            return List.of(); // never made: nothing was written there
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** @return what a message left in the Maildir's tmp/: its files, and the files made ahead in tmp/ready/ that are not empty */
    private List<Path> written(String mailbox) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Path file : files(mailbox, "tmp")) {
            if (!file.getFileName().toString().equals(ReadyFiles.FOLDER)) {
                written.add(file);
            }
        }
        for (Path file : files(mailbox, "tmp/" + ReadyFiles.FOLDER)) {
            if (Files.size(file) > 0) {
                written.add(file);
            }
        }
        return written;
    }

    @Test
    public void aMessageThatACrashLeftForcedInTmpReadyIsInNewOnceTheServiceStarts() throws Exception {
        Path bob = folder.getRoot().toPath().resolve("mail/example.org/bob");
        Maildir.create(bob);
        byte[] content = "Return-Path: <alice@client.test>\r\nDelivered-To: bob@example.org\r\n\r\nleft\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        Path left = Files.write(Files.createDirectories(bob.resolve("tmp/ready")).resolve("r0.1"), content);
        CRC32C crc = new CRC32C();
        crc.update(content);
        ReadyFiles.mark(left, "1796000000.LEFT", content.length, crc.getValue());
        DeliveryService service = service();
        try {
            assertArrayEquals(content, Files.readAllBytes(bob.resolve("new/1796000000.LEFT")));
            assertFalse(Files.exists(left));
        } finally {
            service.stop();
        }
    }

    private List<Path> spoolFiles() throws IOException {
        try (Stream<Path> files = Files.walk(folder.getRoot().toPath().resolve("spool"))) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static Envelope queueId(Envelope envelope, String id) {
        envelope.queueId = id;
        return envelope;
    }
}
