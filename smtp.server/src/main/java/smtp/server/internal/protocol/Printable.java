package smtp.server.internal.protocol;

/**
 * Text a client sent, made safe to repeat in a reply or a log line: control
 * characters (C0, DEL, C1; escape sequences with them) become {@code ?}, and a
 * long text is cut. Nothing a client sends reaches a terminal or a log reader
 * as a control character.
 */
public final class Printable {

    static final int MAX = 100;

    private Printable() {}

    public static String of(String text) {
        if (text == null) {
            return "";
        }
        int length = Math.min(text.length(), MAX);
        StringBuilder safe = new StringBuilder(length + 3);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            safe.append(c < 0x20 || c >= 0x7f && c <= 0x9f ? '?' : c);
        }
        if (text.length() > MAX) {
            safe.append("...");
        }
        return safe.toString();
    }
}
