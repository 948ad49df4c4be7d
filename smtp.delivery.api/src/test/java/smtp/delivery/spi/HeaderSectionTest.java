package smtp.delivery.spi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

public class HeaderSectionTest {

    private static String read(String message) throws IOException {
        return HeaderSection.read(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void theHeaderSectionEndsAtTheFirstEmptyLine() throws IOException {
        assertEquals("Subject: a\r\nFrom: <b@c.test>", read("Subject: a\r\nFrom: <b@c.test>\r\n\r\nbody\r\n\r\nmore\r\n"));
        assertEquals("Subject: a", read("Subject: a\n\nbody\n"));
        assertEquals("folded lines stay", "Subject: a\r\n b", read("Subject: a\r\n b\r\n\r\nbody"));
        assertEquals("no body", "Subject: a", read("Subject: a\r\n"));
        assertEquals("no header section", "", read("\r\nbody\r\n"));
        assertEquals("Subject: é", read("Subject: é\r\n\r\n"));
    }

    @Test
    public void atMostMaxBytesAreKeptOfAnEndlessHeaderSection() throws IOException {
        String endless = ("X-Filler: " + "x".repeat(70) + "\r\n").repeat(2000);
        String kept = read(endless + "\r\nbody");
        assertEquals(HeaderSection.MAX, kept.length()); // 16384 bytes: the cut falls within a line
        assertTrue(endless.startsWith(kept));
    }

    @Test
    public void theCollectorTakesWhatIsWrittenWholeAndKeepsOnlyTheHeaderSection() {
        HeaderSection.Collector collector = new HeaderSection.Collector();
        byte[] message = "Subject: a\r\n\r\n".concat("y".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < message.length; i += 1000) {
            collector.write(message, i, Math.min(1000, message.length - i));
        }
        assertTrue(collector.full());
        assertEquals("Subject: a", collector.text());
    }
}
