package smtp.server.internal.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** An IP network in CIDR notation ({@code 192.0.2.0/24}, {@code fd00::/8}); a bare address is a network of one. */
public record Network(byte[] address, int prefix) {

    /** @throws IllegalArgumentException naming what is wrong */
    public static Network parse(String text) {
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
    public static boolean looksLikeNetwork(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        return IpLiterals.isLiteral(slash < 0 ? trimmed : trimmed.substring(0, slash)) || slash >= 0;
    }

    /**
     * @param networks CIDR networks or addresses; blank entries (an empty field of a web console form) are skipped
     * @param what what they are, for the message of a bad one ("relay network")
     * @throws IllegalArgumentException naming the bad one
     */
    public static List<Network> parseAll(String[] networks, String what) {
        List<Network> parsed = new ArrayList<>();
        for (String network : networks) {
            if (network == null || network.isBlank()) {
                continue;
            }
            try {
                parsed.add(parse(network));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " " + e.getMessage());
            }
        }
        return List.copyOf(parsed);
    }

    /** @return whether any of the networks contains the address */
    public static boolean anyContains(List<Network> networks, InetAddress address) {
        for (Network network : networks) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public boolean contains(InetAddress candidate) {
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
