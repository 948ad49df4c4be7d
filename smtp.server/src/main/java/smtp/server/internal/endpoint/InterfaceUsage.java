package smtp.server.internal.endpoint;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import smtp.server.internal.net.Network;
import smtp.server.internal.session.Usage;

/**
 * Decides the usage of each local address: configured rules first (by
 * interface name, address or network, first match wins), then the default:
 * loopback, RFC 1918, RFC 4193 and link-local addresses are Internal, the rest
 * External.
 */
public final class InterfaceUsage {

    private record Rule(String interfaceName, Network network, Usage usage) {}

    private final List<Rule> rules = new ArrayList<>();

    /**
     * @param rules entries of the form {@code match=usage}
     * @throws IllegalArgumentException for a rule that cannot be read, naming it
     */
    public InterfaceUsage(String[] rules) {
        for (String rule : rules) {
            if (rule == null || rule.isBlank()) {
                continue; // an empty field of a web console form
            }
            int eq = rule.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("interface usage rule '" + rule
                        + "' is not <interface|address|network>=<internal|external>");
            }
            String match = rule.substring(0, eq).trim();
            Usage usage = Usage.parse(rule.substring(eq + 1));
            try {
                this.rules.add(Network.looksLikeNetwork(match)
                        ? new Rule(null, Network.parse(match), usage) : new Rule(match, null, usage));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("interface usage rule '" + rule + "': " + e.getMessage());
            }
        }
    }

    public Usage usageOf(String interfaceName, InetAddress address) {
        for (Rule rule : rules) {
            if (rule.interfaceName != null ? rule.interfaceName.equals(interfaceName) : rule.network.contains(address)) {
                return rule.usage;
            }
        }
        return defaultUsage(address);
    }

    public static Usage defaultUsage(InetAddress address) {
        boolean uniqueLocal = address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc; // fc00::/7
        return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress() || uniqueLocal
                ? Usage.INTERNAL : Usage.EXTERNAL;
    }

    /** @return every address of every interface that is up, with the name of its interface */
    public static Map<InetAddress, String> localAddresses() throws SocketException {
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
    public List<InetAddress> addressesOf(Usage usage) throws SocketException {
        List<InetAddress> result = new ArrayList<>();
        localAddresses().forEach((address, nic) -> {
            if (usageOf(nic, address) == usage) {
                result.add(address);
            }
        });
        return result;
    }
}
