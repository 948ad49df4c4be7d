package smtp.milter.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import smtp.server.spi.HeaderFields;

/**
 * The header section of a message, as milters take it: each field's name and
 * value, the value without the space after the colon and with its folded lines
 * joined by LF (as Sendmail and Postfix give them). Reading stops after the
 * blank line, so that the stream is at the body.
 */
final class Headers {

    private Headers() {}

    static List<String[]> read(InputStream in) throws IOException {
        List<String[]> fields = new ArrayList<>();
        for (String field : HeaderFields.read(in)) {
            fields.add(split(field.substring(0, field.length() - 2).replace("\r\n", "\n")));
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
}
