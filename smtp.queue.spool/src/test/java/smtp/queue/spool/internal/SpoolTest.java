package smtp.queue.spool.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.spi.QueueEntryDTO;

public class SpoolTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    static QueueEntryDTO entry(String queueId, String... recipients) {
        QueueEntryDTO entry = new QueueEntryDTO();
        entry.queueId = queueId;
        entry.sender = "";
        entry.recipients = List.of(recipients);
        entry.receivedAt = 1234567890123L;
        entry.envelope = "queue-id: " + queueId + "\nreverse-path: \nrecipient: a@x.test\n";
        return entry;
    }

    @Test
    public void storesAndReadsBackMessageAndEntry() throws Exception {
        Spool spool = new Spool(folder.getRoot().toPath());
        byte[] content = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        spool.store(entry("Q1", "a@x.test", "b@y.test"), new ByteArrayInputStream(content));
        assertArrayEquals(content, Files.readAllBytes(spool.messageFile("Q1")));
        assertEquals(entry("Q1", "a@x.test", "b@y.test").toString(), spool.entry("Q1").toString());
        assertEquals(List.of("Q1"), spool.recover());
    }

    @Test
    public void aFailedReadOfTheContentLeavesNothing() throws Exception {
        Spool spool = new Spool(folder.getRoot().toPath());
        InputStream broken = new InputStream() {
            private int left = 100_000;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw new IOException("client went away");
                }
                return 'x';
            }
        };
        IOException e = assertThrows(IOException.class, () -> spool.store(entry("Q2", "a@x.test"), broken));
        assertEquals("client went away", e.getMessage());
        assertFalse(spool.contains("Q2"));
        assertFalse(Files.exists(spool.messageFile("Q2")));
        assertEquals(List.of(), spool.recover());
    }

    @Test
    public void recoveryRemovesWhatAnInterruptedStoreLeft() throws Exception {
        Path root = folder.getRoot().toPath();
        Spool spool = new Spool(root);
        spool.store(entry("GOOD", "a@x.test"), new ByteArrayInputStream(new byte[] {'a'}));
        Files.write(root.resolve("queue/HALF.msg"), new byte[] {'b'}); // crash before the entry was committed
        Files.write(root.resolve("tmp/HALF.env"), new byte[] {'c'});
        assertEquals(List.of("GOOD"), new Spool(root).recover());
        assertFalse(Files.exists(root.resolve("queue/HALF.msg")));
        assertFalse(Files.exists(root.resolve("tmp/HALF.env")));
    }

    @Test
    public void rewriteReplacesTheEntryAndRemoveDeletesBoth() throws Exception {
        Spool spool = new Spool(folder.getRoot().toPath());
        spool.store(entry("Q3", "a@x.test", "b@y.test"), new ByteArrayInputStream(new byte[] {'a'}));
        QueueEntryDTO deferred = entry("Q3", "b@y.test");
        deferred.attempts = 2;
        deferred.nextAttempt = 1234567999000L;
        deferred.lastError = "mx.y.test said: 451 4.3.0 later";
        spool.rewrite(deferred);
        assertEquals(deferred.toString(), spool.entry("Q3").toString());
        spool.remove("Q3");
        assertFalse(spool.contains("Q3"));
        assertTrue(spool.recover().isEmpty());
    }

    @Test
    public void theNullSenderAndTheEnvelopeTextSurviveTheRoundTrip() throws Exception {
        QueueEntryDTO entry = entry("Q4", "a@x.test");
        entry.envelope = "reverse-path: \nrecipient: a@x.test\n\nstill envelope text after an empty line\n";
        QueueEntryDTO back = EntryFile.decode(EntryFile.encode(entry));
        assertEquals("", back.sender);
        assertEquals(entry.envelope, back.envelope);
        assertThrows(IOException.class, () -> EntryFile.decode("nonsense\n\n".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> EntryFile.decode("queue-id: X\n".getBytes(StandardCharsets.UTF_8)));
    }
}
