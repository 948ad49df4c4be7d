package smtp.server.internal.message;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The Received: trace header (RFC 5321 4.4) the listener puts on top of each message. */
final class ReceivedHeader {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US);

    private ReceivedHeader() {}

    /**
     * @return the protocol type of the "with" clause (RFC 3848, RFC 6531): SMTP, ESMTP or UTF8SMTP, with S for TLS
     *         and A for an authenticated client
     */
    static String protocol(boolean extended, boolean smtputf8, boolean tls, boolean authenticated) {
        return (smtputf8 ? "UTF8SMTP" : extended ? "ESMTP" : "SMTP") + (tls ? "S" : "") + (authenticated ? "A" : "");
    }

    /**
     * @param protocol what {@link #protocol} gives
     * @param tls the TLS protocol and cipher ("TLSv1.3 with cipher ..."), or null without TLS
     */
    static byte[] of(String helo, InetAddress client, String hostName, String softwareName, String protocol,
            String tls, String queueId, List<String> recipients, ZonedDateTime when) {
        String literal = client instanceof Inet6Address ? "IPv6:" + client.getHostAddress() : client.getHostAddress();
        StringBuilder header = new StringBuilder(200)
                .append("Received: from ").append(helo == null ? "unknown" : helo)
                .append(" ([").append(literal).append("])\r\n");
        if (tls != null) {
            header.append("\t(using ").append(tls).append(")\r\n");
        }
        header.append("\tby ").append(hostName).append(" (").append(softwareName).append(") with ").append(protocol)
                .append(" id ").append(queueId);
        if (recipients.size() == 1) {
            header.append("\r\n\tfor <").append(recipients.get(0)).append('>');
        }
        header.append(";\r\n\t").append(DATE.format(when)).append("\r\n");
        return header.toString().getBytes(StandardCharsets.UTF_8);
    }
}
