package smtp.server.spi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.Test;

public class HeaderFieldsTest {

    private static InputStream stream(String message) {
        return new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    public void eachFieldKeepsItsFoldedLinesAndTheStreamIsLeftAtTheBody() throws IOException {
        InputStream in = stream("Subject: a\r\n long subject\r\nFrom: <a@b.test>\n\r\nthe body\r\n");
        List<String> fields = HeaderFields.read(in);
        assertEquals(List.of("Subject: a\r\n long subject\r\n", "From: <a@b.test>\r\n"), fields);
        assertEquals("the body\r\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        assertEquals("Subject", HeaderFields.name(fields.get(0)));
        assertEquals("a long subject", HeaderFields.value(fields.get(0)));
        assertEquals("", HeaderFields.name("no colon\r\n"));
        assertEquals(List.of("To: é\r\n"), HeaderFields.read(stream("To: é")));
        assertEquals(List.of(), HeaderFields.read(stream("\r\nbody")));
    }

    @Test
    public void aHeaderSectionLongerThanTheMaximumIsRefused() {
        String endless = ("X-Filler: " + "x".repeat(1000) + "\r\n").repeat(HeaderFields.MAX / 1000);
        IOException refused = assertThrows(IOException.class, () -> HeaderFields.read(stream(endless)));
        assertEquals("the header section is longer than " + HeaderFields.MAX + " bytes", refused.getMessage());
    }
}
