package smtp.server.spi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a message's header section ({@link MessageContent#open()}) as raw fields, for plugins that look at the
 * message's fields: each field with its folded lines and its final CRLF, as the message has it (a bare LF ends a line
 * too, and is given back as CRLF). Reading stops after the empty line, so the stream is left at the body.
 *
 * @since 1.2
 */
public final class HeaderFields {

    /** The most of a header section read: {@value} bytes. */
    public static final int MAX = 1024 * 1024;

    private HeaderFields() {}

    /**
     * @return the fields, in order
     * @throws IOException if the stream fails, or the header section is longer than {@link #MAX}
     */
    public static List<String> read(InputStream in) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = null;
        int total = 0;
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            total += line.length() + 2;
            if (total > MAX) {
                throw new IOException("the header section is longer than " + MAX + " bytes");
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && field != null) {
                field.append(line).append("\r\n");
            } else {
                if (field != null) {
                    fields.add(field.toString());
                }
                field = new StringBuilder(line).append("\r\n");
            }
        }
        if (field != null) {
            fields.add(field.toString());
        }
        return fields;
    }

    /** @return the field's name, as written, or "" when it has no colon */
    public static String name(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(0, colon).strip();
    }

    /** @return the field's value: after the colon, unfolded, trimmed */
    public static String value(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(colon + 1).replace("\r\n", "").strip();
    }

    /** @return a line without its CRLF (or LF), or null at the end of the stream */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(80);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
