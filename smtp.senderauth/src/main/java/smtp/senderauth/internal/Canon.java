package smtp.senderauth.internal;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/** DKIM canonicalization (RFC 6376 3.4): simple and relaxed, of header fields and of the body. */
final class Canon {

    private static final byte[] CRLF = {'\r', '\n'};

    private Canon() {}

    /** @return the field canonicalized, ending in CRLF */
    static String header(String field, boolean relaxed) {
        if (!relaxed) {
            return field.endsWith("\r\n") ? field : field + "\r\n";
        }
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = field.substring(colon + 1).replace("\r\n", "").replaceAll("[ \\t]+", " ").strip();
        return name + ":" + value + "\r\n";
    }

    /** @return the DKIM-Signature field with the value of its b= tag emptied (RFC 6376 3.7) */
    static String withoutSignature(String field) {
        int colon = field.indexOf(':');
        String value = field.substring(colon + 1);
        StringBuilder out = new StringBuilder(field.substring(0, colon + 1));
        int at = 0;
        for (String spec : value.split(";", -1)) {
            if (at > 0) {
                out.append(';');
            }
            at++;
            int equals = spec.indexOf('=');
            if (equals > 0 && spec.substring(0, equals).strip().equals("b")) {
                out.append(spec, 0, equals + 1);
                if (spec.endsWith("\r\n")) {
                    out.append("\r\n"); // the field's own end
                }
            } else {
                out.append(spec);
            }
        }
        return out.toString();
    }

    /**
     * @param length the l= tag: how many canonicalized bytes count, or -1 for all
     * @return the SHA-256 of the canonicalized body read from the stream
     */
    static byte[] bodyHash(InputStream body, boolean relaxed, long length) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
        long[] left = {length < 0 ? Long.MAX_VALUE : length};
        int emptyLines = 0;
        boolean any = false;
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
        boolean more = true;
        while (more) {
            line.reset();
            int b;
            while ((b = body.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            more = b >= 0;
            if (!more && line.size() == 0) {
                break;
            }
            byte[] bytes = line.toByteArray();
            int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            byte[] text = relaxed ? relaxed(bytes, end) : java.util.Arrays.copyOf(bytes, end);
            if (text.length == 0) {
                emptyLines++;
                continue;
            }
            for (; emptyLines > 0; emptyLines--) {
                feed(digest, CRLF, left);
            }
            feed(digest, text, left);
            feed(digest, CRLF, left);
            any = true;
        }
        if (!any && !relaxed) {
            feed(digest, CRLF, left); // an empty body is one CRLF in simple canonicalization
        }
        return digest.digest();
    }

    private static void feed(MessageDigest digest, byte[] bytes, long[] left) {
        int n = (int) Math.min(bytes.length, left[0]);
        digest.update(bytes, 0, n);
        left[0] -= n;
    }

    /** @return the line with runs of white space made one space and trailing white space removed */
    private static byte[] relaxed(byte[] line, int end) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(end);
        boolean space = false;
        for (int i = 0; i < end; i++) {
            byte b = line[i];
            if (b == ' ' || b == '\t') {
                space = true;
            } else {
                if (space) {
                    out.write(' ');
                    space = false;
                }
                out.write(b);
            }
        }
        return out.toByteArray();
    }
}
