package smtp.server.internal.message;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

public class HeaderScanTest {

    private static InputStream message(int received, String body) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < received; i++) {
            text.append(i % 2 == 0 ? "Received: " : "RECEIVED: ").append("from a by b; date\r\n\tcontinued\r\n");
        }
        text.append("Subject: x\r\n\r\n").append(body);
        return new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    public void aMessageWithinTheLimitPassesUnchanged() throws IOException {
        InputStream original = message(3, "Received: in the body does not count\r\n");
        byte[] expected = message(3, "Received: in the body does not count\r\n").readAllBytes();
        assertEquals(new String(expected, StandardCharsets.US_ASCII),
                new String(new HeaderScan(original, 3).readAllBytes(), StandardCharsets.US_ASCII));
    }

    @Test
    public void oneHopTooManyFailsTheRead() {
        HeaderScan.LoopException e = assertThrows(HeaderScan.LoopException.class,
                () -> new HeaderScan(message(4, "body\r\n"), 3).transferTo(OutputStream.nullOutputStream()));
        assertEquals("more than 3 Received headers", e.getMessage());
    }

    @Test
    public void bodyLinesAreNeverCounted() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            body.append("Received: quoted in a forwarded message\r\n");
        }
        // one Received header in the headers, a hundred quoted in the body: within a limit of one
        long read = new HeaderScan(message(1, body.toString()), 1).transferTo(OutputStream.nullOutputStream());
        assertEquals(message(1, body.toString()).readAllBytes().length, read);
    }

    @Test
    public void tlsRequiredNoIsNotedInTheHeadersOnly() throws IOException {
        HeaderScan plain = new HeaderScan(message(1, "TLS-Required: No\r\n"), 5);
        plain.transferTo(OutputStream.nullOutputStream());
        assertFalse("a line of the body is no header", plain.tlsRequiredNo());
        HeaderScan asked = new HeaderScan(new ByteArrayInputStream(
                "Subject: x\r\ntls-required:   NO \r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)), 5);
        asked.transferTo(OutputStream.nullOutputStream());
        assertTrue(asked.tlsRequiredNo());
        HeaderScan other = new HeaderScan(new ByteArrayInputStream(
                "TLS-Required: Yes\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), 5);
        other.transferTo(OutputStream.nullOutputStream());
        assertFalse(other.tlsRequiredNo());
    }
}
