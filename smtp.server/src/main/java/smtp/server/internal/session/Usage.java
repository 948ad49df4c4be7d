package smtp.server.internal.session;

import java.util.Locale;

/** Whether an interface faces the local networks or the Internet. */
public enum Usage {
    INTERNAL, EXTERNAL;

    /** The name in lower case, as sessions show it: made once, not for every session's snapshot. */
    private final String text = name().toLowerCase(Locale.ROOT);

    /** @throws IllegalArgumentException naming the accepted words */
    public static Usage parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("usage '" + text + "' is neither internal nor external");
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
