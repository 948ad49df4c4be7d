package smtp.milter.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The header section of a message, as milters take it: each field's name and
 * value, the value without the space after the colon and with its folded lines
 * joined by LF (as Sendmail and Postfix give them). Reading stops after the
 * blank line, so that the stream is at the body.
 */
final class Headers {

    /** The most of a header section read. */
    static final int MAX = 1024 * 1024;

    private Headers() {}

    static List<String[]> read(InputStream in) throws IOException {
        List<String[]> fields = new ArrayList<>();
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
                field.append('\n').append(line);
            } else {
                if (field != null) {
                    fields.add(split(field.toString()));
                }
                field = new StringBuilder(line);
            }
        }
        if (field != null) {
            fields.add(split(field.toString()));
        }
        return fields;
    }

    private static String[] split(String field) {
        int colon = field.indexOf(':');
        if (colon < 0) {
            return new String[] {field, ""};
        }
        String value = field.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        return new String[] {field.substring(0, colon).strip(), value};
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
