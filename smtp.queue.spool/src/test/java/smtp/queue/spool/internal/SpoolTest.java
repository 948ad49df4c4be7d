package smtp.delivery.internal;

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

import smtp.delivery.api.Envelope;

public class SpoolTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    static Envelope envelope(String queueId, String... recipients) {
        Envelope envelope = new Envelope();
        envelope.queueId = queueId;
        envelope.reversePath = "";
        envelope.recipients = List.of(recipients);
        envelope.clientAddress = "127.0.0.1";
        envelope.heloName = "client.test";
        envelope.tls = true;
        envelope.receivedAt = 1234567890123L;
        return envelope;
    }

    @Test
    public void storesAndReadsBackMessageAndEnvelope() throws Exception {
        Spool spool = new Spool(folder.getRoot().toPath());
        byte[] content = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        spool.store(envelope("Q1", "a@x.test", "b@y.test"), new ByteArrayInputStream(content));
        assertArrayEquals(content, Files.readAllBytes(spool.messageFile("Q1")));
        Envelope back = spool.spooled("Q1").envelope();
        assertEquals(envelope("Q1", "a@x.test", "b@y.test").toString(), back.toString());
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
        IOException e = assertThrows(IOException.class, () -> spool.store(envelope("Q2", "a@x.test"), broken));
        assertEquals("client went away", e.getMessage());
        assertFalse(spool.contains("Q2"));
        assertEquals(List.of(), spool.recover());
    }

    @Test
    public void recoveryRemovesWhatAnInterruptedStoreLeft() throws Exception {
        Path root = folder.getRoot().toPath();
        Spool spool = new Spool(root);
        spool.store(envelope("GOOD", "a@x.test"), new ByteArrayInputStream(new byte[] {'a'}));
        Files.write(root.resolve("queue/HALF.msg"), new byte[] {'b'}); // crash before the envelope was committed
        Files.write(root.resolve("tmp/HALF.env"), new byte[] {'c'});
        assertEquals(List.of("GOOD"), new Spool(root).recover());
        assertFalse(Files.exists(root.resolve("queue/HALF.msg")));
        assertFalse(Files.exists(root.resolve("tmp/HALF.env")));
    }

    @Test
    public void rewriteReplacesTheRecipientsAndRemoveDeletesBoth() throws Exception {
        Spool spool = new Spool(folder.getRoot().toPath());
        spool.store(envelope("Q3", "a@x.test", "b@y.test"), new ByteArrayInputStream(new byte[] {'a'}));
        spool.rewrite(envelope("Q3", "b@y.test"), EnvelopeFile.State.NEW);
        assertEquals(List.of("b@y.test"), spool.spooled("Q3").envelope().recipients);
        spool.remove("Q3");
        assertFalse(spool.contains("Q3"));
        assertTrue(spool.recover().isEmpty());
    }

    @Test
    public void theNullReversePathSurvivesTheRoundTrip() throws Exception {
        byte[] encoded = EnvelopeFile.encode(envelope("Q4", "a@x.test"), EnvelopeFile.State.NEW);
        assertEquals("", EnvelopeFile.decodeWithState(encoded).envelope().reversePath);
        assertThrows(IOException.class, () -> EnvelopeFile.decodeWithState("nonsense\n".getBytes(StandardCharsets.UTF_8)));
    }
}
