package smtp.senderauth.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The header section of a message, as raw fields: each with its folded lines and its final CRLF. */
final class Fields {

    static final int MAX = 1024 * 1024;

    private Fields() {}

    /** @return the fields; the stream is left at the body */
    static List<String> read(InputStream in) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = null;
        int total = 0;
        while (true) {
            String line = line(in);
            if (line == null || line.isEmpty()) {
                break;
            }
            total += line.length();
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

    static String name(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(0, colon).strip();
    }

    /** @return the value: after the colon, unfolded, trimmed */
    static String value(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(colon + 1).replace("\r\n", "").strip();
    }

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
