package smtp.server.internal.protocol;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Parses the argument of MAIL FROM and RCPT TO: a path in angle brackets
 * (RFC 5321 4.1.2), then ESMTP parameters. Local parts may be quoted strings
 * (with spaces, brackets, escaped quotes); with SMTPUTF8 (RFC 6531) local parts
 * and domains may hold UTF-8. A bare address without brackets is accepted too,
 * as most servers do; nothing at all is not an address.
 */
final class SmtpPath {

    /** Why a path was refused. */
    enum Problem { SYNTAX, NEEDS_SMTPUTF8 }

    /** RFC 5321 4.5.3.1: local part 64 octets, path 256 octets with the brackets. */
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_ADDRESS = 254;

    private static final String ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-";
    private static final String UTF8 = "\\u00a0-\\x{10ffff}";
    private static final Pattern LOCAL_ASCII = local(ATEXT, "");
    private static final Pattern LOCAL_UTF8 = local(ATEXT + UTF8, UTF8);
    private static final Pattern LITERAL = Pattern.compile("\\[(IPv6:[A-Fa-f0-9:.]+|[0-9.]+)\\]");

    /** The ASCII atext of RFC 5322, as a table: what most local parts are made of, checked without a regex. */
    private static final boolean[] ATEXT_TABLE = table("!#$%&'*+/=?^_`{|}~-");
    private static final boolean[] LDH_TABLE = table("-");

    /** @return a table of the ASCII letters, digits and the punctuation given */
    static boolean[] table(String punctuation) {
        boolean[] table = new boolean[128];
        for (char c = '0'; c <= '9'; c++) {
            table[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            table[c] = true;
            table[Character.toUpperCase(c)] = true;
        }
        for (char c : punctuation.toCharArray()) {
            table[c] = true;
        }
        return table;
    }

    /**
     * @return whether the text is runs of characters of the ASCII table joined by single dots, none at either end;
     *         with {@code ldh}, no run starts or ends with a hyphen (a domain's labels)
     */
    static boolean isDotAtom(String text, boolean[] table, boolean ldh) {
        int run = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c == '.') {
                if (run == 0 || ldh && text.charAt(i - 1) == '-') {
                    return false;
                }
                run = 0;
            } else if (c < 128 && table[c]) {
                if (run == 0 && ldh && c == '-') {
                    return false;
                }
                run++;
            } else {
                return false;
            }
        }
        return run > 0 && !(ldh && text.charAt(text.length() - 1) == '-');
    }

    private static Pattern local(String atext, String utf8) {
        String atom = "[" + atext + "]+";
        String quoted = "\"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e" + utf8 + "]|\\\\[\\x20-\\x7e])*\"";
        return Pattern.compile(atom + "(\\." + atom + ")*|" + quoted);
    }

    /** The address; the empty string for the null path {@code <>}. */
    final String address;
    /** What follows the path: ESMTP parameters, possibly empty. */
    final String parameters;
    final Problem problem;

    private SmtpPath(String address, String parameters, Problem problem) {
        this.address = address;
        this.parameters = parameters;
        this.problem = problem;
    }

    private static SmtpPath refused(Problem problem) {
        return new SmtpPath(null, null, problem);
    }

    /**
     * @param text what follows {@code FROM:} or {@code TO:}
     * @param utf8 whether the transaction has SMTPUTF8
     */
    static SmtpPath parse(String text, boolean utf8) {
        String rest = text.stripLeading();
        String address;
        String parameters;
        if (rest.startsWith("<")) {
            int close = closingBracket(rest);
            if (close < 0) {
                return refused(Problem.SYNTAX);
            }
            address = rest.substring(1, close);
            parameters = rest.substring(close + 1);
            if (!parameters.isEmpty() && parameters.charAt(0) != ' ') {
                return refused(Problem.SYNTAX);
            }
        } else {
            int space = rest.indexOf(' ');
            address = space < 0 ? rest : rest.substring(0, space);
            parameters = space < 0 ? "" : rest.substring(space);
            if (address.isEmpty()) {
                return refused(Problem.SYNTAX);
            }
        }
        int colon = address.indexOf(':');
        if (address.startsWith("@") && colon > 0) {
            address = address.substring(colon + 1); // source route (RFC 5321 C): ignored
        }
        if (address.equalsIgnoreCase("postmaster")) {
            return new SmtpPath(address, parameters.trim(), null); // RFC 5321 4.5.1: the one address without a domain
        }
        if (!address.isEmpty()) {
            if (!utf8 && !isAscii(address)) {
                return refused(Problem.NEEDS_SMTPUTF8);
            }
            if (!isMailbox(address, utf8)) {
                return refused(Problem.SYNTAX);
            }
        }
        return new SmtpPath(address, parameters.trim(), null);
    }

    /** @return the index of the {@code >} that closes the path, quoted strings skipped; -1 if none */
    private static int closingBracket(String text) {
        boolean quoted = false;
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** @return whether the text is a {@code local@domain} mailbox, UTF-8 allowed or not */
    static boolean isMailbox(String address, boolean utf8) {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.getBytes(StandardCharsets.UTF_8).length > MAX_ADDRESS) {
            return false;
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        return local.getBytes(StandardCharsets.UTF_8).length <= MAX_LOCAL_PART
                && (isDotAtom(local, ATEXT_TABLE, false) || (utf8 ? LOCAL_UTF8 : LOCAL_ASCII).matcher(local).matches())
                && (isDomain(domain, utf8) || LITERAL.matcher(domain).matches());
    }

    private static boolean isDomain(String domain, boolean utf8) {
        if (isAscii(domain)) {
            return isDotAtom(domain, LDH_TABLE, true);
        }
        if (!utf8) {
            return false;
        }
        try { // U-labels: valid when they have an A-label form
            return isDotAtom(IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES), LDH_TABLE, true);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
