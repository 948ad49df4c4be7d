package smtp.server.internal.protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.net.IpLiterals;
import smtp.server.internal.net.Network;

/**
 * The PROXY protocol header (HAProxy's, versions 1 and 2) that a proxy in
 * front of the listener sends before anything else: it gives the client's
 * address and port, which the session then uses for its limits, policy,
 * events, console and Received header. Only proxies in the binding's networks
 * may send it; any other peer, and a missing or malformed header, have the
 * connection closed without a word.
 */
final class ProxyHeader {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyHeader.class);
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** A version 1 header is at most 107 bytes with its CRLF. */
    private static final int V1_MAX = 105;
    /** The most address and TLV bytes taken in a version 2 header. */
    private static final int V2_MAX = 4096;

    private ProxyHeader() {}

    /** @return true when the session may go on, its client known; false (logged) when the connection is to close */
    static boolean read(SmtpSession session) throws IOException {
        Connection connection = session.connection;
        InetSocketAddress peer = connection.remote();
        if (!Network.anyContains(session.settings.proxyFrom(), peer.getAddress())) {
            session.context.warnings.warn(LOG, "proxy-untrusted", "Connection from {} closed: the binding takes the PROXY "
                    + "protocol from its proxy networks only", peer.getAddress().getHostAddress());
            return false;
        }
        Input input = connection.input;
        connection.startRequest();
        String problem;
        while (true) { // decided as soon as the first bytes can start neither version
            int n = input.available();
            boolean v1 = startsLike(input, V1, n);
            boolean v2 = startsLike(input, V2, n);
            if (!v1 && !v2) {
                problem = "no PROXY protocol header";
                break;
            }
            if (v1 && n >= V1.length) {
                problem = version1(session);
                break;
            }
            if (v2 && n >= 16) { // the signature, version and command, family, and the length
                problem = version2(session);
                break;
            }
            input.fill();
        }
        if (problem != null) {
            session.context.warnings.warn(LOG, "proxy-malformed", "Connection from proxy {} closed: {}",
                    peer.getAddress().getHostAddress(), problem);
            return false;
        }
        return true;
    }

    /** @return whether the first {@code n} bytes buffered agree with the prefix (as far as both go) */
    private static boolean startsLike(Input input, byte[] prefix, int n) {
        int length = Math.min(n, prefix.length);
        return Arrays.equals(input.buffer(), input.position(), input.position() + length, prefix, 0, length);
    }

    /** @return null when the header was read, else what is wrong with it */
    private static String version1(SmtpSession session) throws IOException {
        Input.Line line = session.connection.input.readLine(V1_MAX);
        if (line.problem() != null || !SmtpPath.isAscii(line.text())) {
            return "a malformed PROXY protocol version 1 header";
        }
        String[] words = line.text().split(" ", -1);
        if (words.length >= 2 && words[1].equals("UNKNOWN")) {
            return null; // the proxy does not know the client (a health check): the connection's own addresses stand
        }
        if (words.length != 6 || !words[1].equals("TCP4") && !words[1].equals("TCP6")
                || !IpLiterals.isLiteral(words[2]) || !IpLiterals.isLiteral(words[3])) {
            return "a malformed PROXY protocol version 1 header: " + Printable.of(line.text());
        }
        int sourcePort = port(words[4]);
        int destinationPort = port(words[5]);
        if (sourcePort < 0 || destinationPort < 0) {
            return "a PROXY protocol version 1 header with a bad port: " + Printable.of(line.text());
        }
        session.info.proxied(new InetSocketAddress(InetAddress.getByName(words[2]), sourcePort),
                new InetSocketAddress(InetAddress.getByName(words[3]), destinationPort));
        return null;
    }

    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || text.length() > 1 && text.charAt(0) == '0') {
            return -1;
        }
        int port = Integer.parseInt(text);
        return port <= 65535 ? port : -1;
    }

    /** @return null when the header was read, else what is wrong with it */
    private static String version2(SmtpSession session) throws IOException {
        Input input = session.connection.input;
        byte[] fixed = new byte[16];
        input.readFully(fixed, 0, 16);
        int versionCommand = fixed[12] & 0xff;
        int family = fixed[13] & 0xff;
        int length = (fixed[14] & 0xff) << 8 | fixed[15] & 0xff;
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0f) > 1) {
            return "a PROXY protocol version 2 header of an unknown version or command";
        }
        if (length > V2_MAX) {
            return "a PROXY protocol version 2 header of " + length + " bytes";
        }
        byte[] rest = new byte[length];
        input.readFully(rest, 0, length);
        if ((versionCommand & 0x0f) == 0) {
            return null; // LOCAL: the proxy's own connection (a health check)
        }
        int size = switch (family) {
            case 0x11 -> 4; // TCP over IPv4
            case 0x21 -> 16; // TCP over IPv6
            default -> 0; // UNSPEC, UDP, unix sockets: the connection's own addresses stand
        };
        if (size == 0) {
            return null;
        }
        if (length < 2 * size + 4) {
            return "a PROXY protocol version 2 header too short for its addresses";
        }
        InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(rest, 0, size));
        InetAddress destination = InetAddress.getByAddress(Arrays.copyOfRange(rest, size, 2 * size));
        int sourcePort = (rest[2 * size] & 0xff) << 8 | rest[2 * size + 1] & 0xff;
        int destinationPort = (rest[2 * size + 2] & 0xff) << 8 | rest[2 * size + 3] & 0xff;
        session.info.proxied(new InetSocketAddress(source, sourcePort), new InetSocketAddress(destination, destinationPort));
        return null;
    }
}
