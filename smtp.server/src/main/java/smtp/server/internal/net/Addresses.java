package smtp.server.internal.net;

import java.net.InetSocketAddress;

/** Socket addresses as the logs, headers and replies write them. */
public final class Addresses {

    private Addresses() {
    }

    /** @return "203.0.113.25:25", or "[2001:db8::25]:25" for IPv6 */
    public static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
