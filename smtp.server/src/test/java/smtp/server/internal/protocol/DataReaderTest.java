package smtp.server.internal.protocol;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

import smtp.tlslayer.BufferPool;

public class DataReaderTest {

    /** One buffer that the readers of the tests use one after another: what a reader leaves in it must not matter. */
    private static final BufferPool BUFFERS = new BufferPool(DataReader.BUFFER, 1, 1);
    /** A pool whose budget is used up: the reader works with a small buffer of its own. */
    private static final BufferPool EXHAUSTED = new BufferPool(DataReader.BUFFER, 1, 0);

    private static final String AFTER = "MAIL FROM:<evil@x.test>\r\n";

    /** The wire as a connection gives it: in reads of at most {@code step} bytes, and ConnectionLost at its end. */
    static final class Wire {
        final ByteArrayInputStream bytes;
        final Input input;

        Wire(String wire, int step) {
            bytes = new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
            input = new Input((buffer, offset, length) -> {
                int n = bytes.read(buffer, offset, Math.min(length, step));
                if (n <= 0) {
                    throw new ConnectionLost(ConnectionLost.Cause.CLIENT_GONE, "closed");
                }
                return n;
            });
        }

        /** @return what the session would read next: the read-ahead, then the rest of the wire */
        String rest() {
            String buffered = new String(input.buffer(), input.position(), input.available(), StandardCharsets.ISO_8859_1);
            return buffered + new String(bytes.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Reads a message and returns it, plus what the input still holds after it; once in one read, once byte by byte. */
    private static String[] read(String wire, LineEndings mode) throws IOException {
        String[] whole = read(new Wire(wire, Integer.MAX_VALUE), mode, BUFFERS);
        String[] trickled = read(new Wire(wire, 1), mode, BUFFERS);
        String[] small = read(new Wire(wire, Integer.MAX_VALUE), mode, EXHAUSTED);
        assertEquals(whole[0], trickled[0]);
        assertEquals(whole[1], trickled[1]);
        assertEquals("with the pool's budget used up", whole[0], small[0]);
        assertEquals(whole[1], small[1]);
        return whole;
    }

    private static String[] read(Wire wire, LineEndings mode, BufferPool buffers) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try (DataReader reader = new DataReader(wire.input, mode, buffers)) {
            reader.transferTo(message);
        }
        return new String[] {message.toString(StandardCharsets.ISO_8859_1), wire.rest()};
    }

    @Test
    public void endsAtCrLfDotCrLfAndUndoesDotStuffing() throws IOException {
        String[] result = read("a\r\n..b\r\n.c\r\n\r\n.\r\n" + AFTER, LineEndings.REJECT);
        assertEquals("a\r\n.b\r\nc\r\n\r\n", result[0]);
        assertEquals(AFTER, result[1]);
        assertEquals("", read(".\r\n" + AFTER, LineEndings.REJECT)[0]);
    }

    @Test
    public void eachSmugglingSequenceIsRejectedAndTheRestIsConsumedToTheRealEnd() throws IOException {
        for (String sequence : new String[] {"\n.\n", "\r.\n", "\n.\r\n", "\r\n.\r"}) {
            String name = sequence.replace("\r", "CR").replace("\n", "LF");
            String text = "Subject: a\r\n\r\nfirst" + sequence + "MAIL FROM:<x@y>\r\nRCPT TO:<b@c>\r\nDATA\r\nsmuggled\r\n.\r\n" + AFTER;
            Wire wire = new Wire(text, 7);
            DataReader reader = new DataReader(wire.input, LineEndings.REJECT, BUFFERS);
            ByteArrayOutputStream before = new ByteArrayOutputStream();
            assertThrows(name, DataReader.BareLineEndingException.class, () -> reader.transferTo(before));
            assertEquals("what came before the bare line ending is read first (size limits count it)",
                    "Subject: a\r\n\r\nfirst", before.toString(StandardCharsets.ISO_8859_1).substring(0, 19));
            reader.discardRest();
            reader.close();
            assertEquals(name, AFTER, wire.rest());
            assertEquals(name, sequence.startsWith("\r") ? "bare CR" : "bare LF", reader.violation());
        }
    }

    @Test
    public void normaliseStoresBareEndingsAsCrLfButEndsOnlyAtTheRealEnd() throws IOException {
        String[] result = read("a\nb\rc\r\nfirst\n.\nMAIL FROM:<x@y>\r\n.\r\n" + AFTER, LineEndings.NORMALISE);
        assertEquals("a\r\nb\r\nc\r\nfirst\r\n\r\nMAIL FROM:<x@y>\r\n", result[0]);
        assertEquals(AFTER, result[1]);
        assertEquals("x\r\n\r\ny\r\n", read("x\r\n.\ry\r\n.\r\n", LineEndings.NORMALISE)[0]);
    }

    @Test
    public void aClosedConnectionIsNotTheEndOfTheMessage() {
        assertThrows(ConnectionLost.class, () -> read("a\r\nb", LineEndings.REJECT));
        assertThrows(ConnectionLost.class, () -> read("a\r\n.", LineEndings.REJECT));
    }

    @Test
    public void largeMessagesComeThroughUnchanged() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 20000; i++) {
            body.append(i % 7 == 0 ? "." : "").append("line ").append(i).append(" ").append("y".repeat(i % 90)).append("\r\n");
        }
        String stuffed = body.toString().replace("\r\n.", "\r\n..");
        String wire = (stuffed.startsWith(".") ? "." : "") + stuffed + ".\r\n" + AFTER;
        String[] result = read(wire, LineEndings.REJECT);
        assertEquals(body.toString(), result[0]);
        assertEquals(AFTER, result[1]);
    }
}
