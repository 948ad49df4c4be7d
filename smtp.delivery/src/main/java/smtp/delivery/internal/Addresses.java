package smtp.delivery.internal;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Syntax checks on envelope values, so that nothing odd reaches a file or a path. */
final class Addresses {

    /** RFC 5321 4.5.3.1.3: a path holds at most 256 octets, so an address at most 254. */
    static final int MAX_ADDRESS_LENGTH = 254;
    static final int MAX_LOCAL_PART_LENGTH = 64;

    private Addresses() {}

    /**
     * @return true for a {@code local@domain} address without controls; spaces and angle brackets only inside a
     *         quoted local part ({@code "a b"@example.org}, RFC 5321 4.1.2); UTF-8 allowed (RFC 6531)
     */
    static boolean isValid(String address) {
        if (address == null || address.isEmpty() || !isPrintable(address)
                || address.getBytes(StandardCharsets.UTF_8).length > MAX_ADDRESS_LENGTH) {
            return false;
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) {
            return false;
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        boolean quoted = local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"");
        return local.getBytes(StandardCharsets.UTF_8).length <= MAX_LOCAL_PART_LENGTH
                && (quoted || plain(local)) && plain(domain);
    }

    private static boolean plain(String text) {
        return text.indexOf(' ') < 0 && text.indexOf('<') < 0 && text.indexOf('>') < 0 && text.indexOf('"') < 0;
    }

    static boolean isAscii(String text) {
        return text.chars().allMatch(c -> c < 0x80);
    }

    /** @return true if the text has no control character (so it fits on one line of a file) */
    static boolean isPrintable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    static String localPart(String address) {
        return address.substring(0, address.lastIndexOf('@'));
    }

    /** @return the domain in lower case; an internationalised one as its A-labels ({@code xn--}), as DNS knows it */
    static String domain(String address) {
        String domain = address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        for (int i = 0; i < domain.length(); i++) {
            if (domain.charAt(i) > 0x7f) {
                try {
                    return IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
                } catch (IllegalArgumentException e) {
                    return domain; // not a valid IDN: matches no local domain
                }
            }
        }
        return domain;
    }
}
