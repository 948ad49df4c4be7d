package smtp.server.internal.protocol;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.IOException;

import org.junit.Test;

public class InputTest {

    private static Input.Line line(Input input) throws IOException {
        return input.readLine(512);
    }

    @Test
    public void linesAreCutAtCrLfAndTheirProblemsNamed() throws IOException {
        for (int step : new int[] {Integer.MAX_VALUE, 3, 1}) {
            Input input = new DataReaderTest.Wire("EHLO a\r\nbare\nMAIL\rX\r\nRCPT TO:<j\u00f6@x>\r\nNOOP\r\n", step).input;
            assertEquals("EHLO a", line(input).text());
            assertEquals(Input.Problem.BARE_LF, line(input).problem());
            assertEquals(Input.Problem.BARE_CR, line(input).problem());
            // ISO-8859-1 \u00f6 is one byte 0xF6, not UTF-8
            assertEquals(Input.Problem.NOT_UTF8, line(input).problem());
            assertEquals("NOOP", line(input).text());
        }
    }

    @Test
    public void utf8IsDecoded() throws IOException {
        String utf8 = new String("RCPT TO:<j\u00f6rg@b\u00fccher.example>\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        Input.Line line = line(new DataReaderTest.Wire(utf8, 5).input);
        assertNull(line.problem());
        assertEquals("RCPT TO:<j\u00f6rg@b\u00fccher.example>", line.text());
    }

    @Test
    public void aTooLongLineIsReadToItsEndAndDropped() throws IOException {
        for (int step : new int[] {Integer.MAX_VALUE, 1000, 1}) {
            String longLine = "X".repeat(100_000);
            Input input = new DataReaderTest.Wire(longLine + "\r\n" + "Y".repeat(512) + "\r\nQUIT\r\n", step).input;
            assertEquals(Input.Problem.TOO_LONG, line(input).problem());
            assertEquals("Y".repeat(512), line(input).text()); // at the limit is still allowed
            assertEquals("QUIT", line(input).text());
        }
    }
}
