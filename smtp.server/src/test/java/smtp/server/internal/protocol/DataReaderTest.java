package smtp.server.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

import smtp.server.internal.DataReader.LineEndings;

public class DataReaderTest {

    /** One buffer that the readers of the tests use one after another: what a reader leaves in it must not matter. */
    private static final BufferPool BUFFERS = new BufferPool(DataReader.BUFFER, 1);

    private static final String AFTER = "MAIL FROM:<evil@x.test>\r\n";

    /** Reads a message and returns it, plus what the input still holds after it. */
    private static String[] read(String wire, LineEndings mode) throws IOException {
        InputStream in = new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try (DataReader reader = new DataReader(in, mode, BUFFERS)) {
            reader.transferTo(message);
        }
        return new String[] {message.toString(StandardCharsets.ISO_8859_1),
                new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)};
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
            String wire = "Subject: a\r\n\r\nfirst" + sequence + "MAIL FROM:<x@y>\r\nRCPT TO:<b@c>\r\nDATA\r\nsmuggled\r\n.\r\n" + AFTER;
            InputStream in = new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
            DataReader reader = new DataReader(in, LineEndings.REJECT, BUFFERS);
            assertThrows(sequence.replace("\r", "CR").replace("\n", "LF"), DataReader.BareLineEndingException.class,
                    () -> reader.transferTo(java.io.OutputStream.nullOutputStream()));
            reader.transferTo(java.io.OutputStream.nullOutputStream()); // drains
            assertEquals(AFTER, new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
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
        assertThrows(EOFException.class, () -> read("a\r\nb", LineEndings.REJECT));
        assertThrows(EOFException.class, () -> read("a\r\n.", LineEndings.REJECT));
    }

    @Test
    public void largeMessagesComeThroughUnchanged() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 20000; i++) {
            body.append(i % 7 == 0 ? "." : "").append("line ").append(i).append("\r\n");
        }
        String stuffed = body.toString().replace("\r\n.", "\r\n..");
        String wire = (stuffed.startsWith(".") ? "." : "") + stuffed + ".\r\n";
        assertEquals(body.toString(), read(wire, LineEndings.REJECT)[0]);
    }

    /** A message of many chunks, read from a stream that can reset and from one that cannot. */
    @Test
    public void aLongMessageEndsExactlyAtItsEndWhicheverStreamItComesFrom() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; lines.length() < 50_000; i++) {
            lines.append(i % 7 == 0 ? "." : "").append("line ").append(i).append(" ").append("y".repeat(i % 90)).append("\r\n");
        }
        String wire = lines + ".\r\n" + AFTER;
        String expected = lines.toString().replace("\r\n.", "\r\n").replaceFirst("^\\.", "");
        for (boolean resettable : new boolean[] {true, false}) {
            InputStream bytes = new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = resettable ? bytes : new java.io.FilterInputStream(bytes) {
                @Override
                public boolean markSupported() {
                    return false;
                }
            };
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            new DataReader(in, LineEndings.REJECT, BUFFERS).transferTo(message);
            assertEquals("resettable " + resettable, expected, message.toString(StandardCharsets.ISO_8859_1));
            assertEquals("resettable " + resettable, AFTER, new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }
}
