package smtp.server.internal;

import java.util.regex.Pattern;

/**
 * Parses the argument of MAIL FROM and RCPT TO: a path in angle brackets
 * (RFC 5321 4.1.2), then ESMTP parameters. A bare address without brackets is
 * accepted too, as most servers do.
 */
final class SmtpPath {

    /** RFC 5321 4.5.3.1: local part 64 octets, path 256 octets with the brackets. */
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_ADDRESS = 254;

    private static final String ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
    private static final String DOT_ATOM = ATOM + "(\\." + ATOM + ")*";
    private static final String QUOTED = "\"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*\"";
    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?";
    private static final String DOMAIN = LABEL + "(\\." + LABEL + ")*";
    private static final String LITERAL = "\\[[\\x21-\\x5a\\x5e-\\x7e]+\\]";
    private static final Pattern MAILBOX = Pattern.compile("(" + DOT_ATOM + "|" + QUOTED + ")@(" + DOMAIN + "|" + LITERAL + ")");

    /** The address; the empty string for the null path {@code <>}. */
    final String address;
    /** What follows the path: ESMTP parameters, possibly empty. */
    final String parameters;

    private SmtpPath(String address, String parameters) {
        this.address = address;
        this.parameters = parameters;
    }

    /**
     * @param text what follows {@code FROM:} or {@code TO:}
     * @return the path, or null if it is not a valid one
     */
    static SmtpPath parse(String text) {
        String rest = text.stripLeading();
        String address;
        String parameters;
        if (rest.startsWith("<")) {
            int close = rest.indexOf('>');
            if (close < 0) {
                return null;
            }
            address = rest.substring(1, close);
            parameters = rest.substring(close + 1);
            if (!parameters.isEmpty() && parameters.charAt(0) != ' ') {
                return null;
            }
        } else {
            int space = rest.indexOf(' ');
            address = space < 0 ? rest : rest.substring(0, space);
            parameters = space < 0 ? "" : rest.substring(space);
        }
        int colon = address.indexOf(':');
        if (address.startsWith("@") && colon > 0) {
            address = address.substring(colon + 1); // source route (RFC 5321 C): ignored
        }
        if (!address.isEmpty() && !isMailbox(address)) {
            return null;
        }
        return new SmtpPath(address, parameters.trim());
    }

    static boolean isMailbox(String address) {
        int at = address.lastIndexOf('@');
        return address.length() <= MAX_ADDRESS && at > 0 && at <= MAX_LOCAL_PART && MAILBOX.matcher(address).matches();
    }
}
