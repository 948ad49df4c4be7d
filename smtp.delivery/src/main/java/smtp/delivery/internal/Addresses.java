package smtp.delivery.internal;

import java.util.Locale;

/** Syntax checks on envelope values, so that nothing odd reaches a file or a path. */
final class Addresses {

    /** RFC 5321 4.5.3.1.3: a path holds at most 256 octets, so an address at most 254. */
    static final int MAX_ADDRESS_LENGTH = 254;
    static final int MAX_LOCAL_PART_LENGTH = 64;

    private Addresses() {}

    /** @return true for a {@code local@domain} address without controls or spaces */
    static boolean isValid(String address) {
        if (address == null || address.isEmpty() || address.length() > MAX_ADDRESS_LENGTH || !isPrintable(address)) {
            return false;
        }
        int at = address.lastIndexOf('@');
        return at > 0 && at <= MAX_LOCAL_PART_LENGTH && at < address.length() - 1
                && address.indexOf(' ') < 0 && address.indexOf('<') < 0 && address.indexOf('>') < 0;
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

    static String domain(String address) {
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
