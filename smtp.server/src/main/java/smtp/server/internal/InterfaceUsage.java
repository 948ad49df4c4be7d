package smtp.server.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides the usage of each local address: configured rules first (by
 * interface name, address or network, first match wins), then the default:
 * loopback, RFC 1918, RFC 4193 and link-local addresses are Internal, the rest
 * External.
 */
final class InterfaceUsage {

    private record Rule(String interfaceName, byte[] network, int prefix, Usage usage) {}

    private final List<Rule> rules = new ArrayList<>();

    /**
     * @param rules entries of the form {@code match=usage}
     * @throws IllegalArgumentException for a rule that cannot be read, naming it
     */
    InterfaceUsage(String[] rules) {
        for (String rule : rules) {
            int eq = rule.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("interface usage rule '" + rule
                        + "' is not <interface|address|network>=<internal|external>");
            }
            String match = rule.substring(0, eq).trim();
            Usage usage = Usage.parse(rule.substring(eq + 1));
            int slash = match.indexOf('/');
            String host = slash < 0 ? match : match.substring(0, slash);
            if (IpLiterals.isLiteral(host)) {
                byte[] address = literal(host, rule);
                int prefix;
                try {
                    prefix = slash < 0 ? address.length * 8 : Integer.parseInt(match.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException("interface usage rule '" + rule + "' has a bad prefix length");
                }
                this.rules.add(new Rule(null, address, prefix, usage));
            } else if (slash >= 0) {
                throw new IllegalArgumentException("interface usage rule '" + rule + "': '" + host + "' is not an IP address");
            } else {
                this.rules.add(new Rule(match, null, 0, usage));
            }
        }
    }

    private static byte[] literal(String text, String rule) {
        if (!IpLiterals.isLiteral(text)) {
            throw new IllegalArgumentException("interface usage rule '" + rule + "': '" + text + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("interface usage rule '" + rule + "': " + e.getMessage());
        }
    }

    Usage usageOf(String interfaceName, InetAddress address) {
        for (Rule rule : rules) {
            if (rule.interfaceName != null ? rule.interfaceName.equals(interfaceName) : contains(rule, address)) {
                return rule.usage;
            }
        }
        return defaultUsage(address);
    }

    private static boolean contains(Rule rule, InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length != rule.network.length) {
            return false;
        }
        for (int bit = 0; bit < rule.prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((bytes[bit / 8] & mask) != (rule.network[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    static Usage defaultUsage(InetAddress address) {
        boolean uniqueLocal = address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc; // fc00::/7
        return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress() || uniqueLocal
                ? Usage.INTERNAL : Usage.EXTERNAL;
    }

    /** @return every address of every interface that is up, with the name of its interface */
    static Map<InetAddress, String> localAddresses() throws SocketException {
        Map<InetAddress, String> addresses = new LinkedHashMap<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    addresses.put(address, nic.getName());
                }
            }
        }
        return addresses;
    }

    /** @return the local addresses of the given usage */
    List<InetAddress> addressesOf(Usage usage) throws SocketException {
        List<InetAddress> result = new ArrayList<>();
        localAddresses().forEach((address, nic) -> {
            if (usageOf(nic, address) == usage) {
                result.add(address);
            }
        });
        return result;
    }
}
