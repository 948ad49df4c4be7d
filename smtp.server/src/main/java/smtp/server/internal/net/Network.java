package smtp.server.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP network in CIDR notation ({@code 192.0.2.0/24}, {@code fd00::/8}); a bare address is a network of one. */
record Network(byte[] address, int prefix) {

    /** @throws IllegalArgumentException naming what is wrong */
    static Network parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String host = slash < 0 ? trimmed : trimmed.substring(0, slash);
        if (!IpLiterals.isLiteral(host)) {
            throw new IllegalArgumentException("'" + host + "' is not an IP address");
        }
        byte[] address;
        try {
            address = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + host + "' is not an IP address");
        }
        int prefix;
        try {
            prefix = slash < 0 ? address.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > address.length * 8) {
            throw new IllegalArgumentException("'" + trimmed + "' has a bad prefix length");
        }
        return new Network(address, prefix);
    }

    /** @return true if the text is an address or network, not a name */
    static boolean looksLikeNetwork(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        return IpLiterals.isLiteral(slash < 0 ? trimmed : trimmed.substring(0, slash)) || slash >= 0;
    }

    boolean contains(InetAddress candidate) {
        byte[] bytes = candidate.getAddress();
        if (bytes.length != address.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((bytes[bit / 8] & mask) != (address[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
