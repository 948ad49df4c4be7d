package smtp.delivery.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/**
 * The SMTP envelope of one message: who sent it, to whom, and how it arrived.
 * <p>
 * Addresses are plain {@code local@domain} forms without angle brackets. None
 * may contain a control character (CR, LF, NUL and the like): such an envelope
 * is refused by {@link MailDelivery#deliver}.
 */
@ProviderType
public class Envelope extends DTO {

    /**
     * Identifier of the message in the delivery queue: 1 to 64 characters out of
     * {@code [A-Za-z0-9]}. The SMTP listener sets it so that its Received header
     * and its events name the same id; when {@code null},
     * {@link MailDelivery#deliver} assigns one and returns it.
     */
    public String queueId;

    /**
     * The reverse path (MAIL FROM). The empty string is the null reverse path
     * {@code <>} used by bounces. Never {@code null}.
     */
    public String reversePath = "";

    /** The forward paths (RCPT TO), at least one. */
    public List<String> recipients = new ArrayList<>();

    /**
     * Textual IP address of the SMTP client the message came from, or
     * {@code null} when it was not received over SMTP.
     */
    public String clientAddress;

    /** The name the client gave in HELO or EHLO, or {@code null}. */
    public String heloName;

    /** The user name the client authenticated as, or {@code null}. */
    public String authenticatedUser;

    /** Whether the message arrived over a TLS-protected connection. */
    public boolean tls;

    /** When the message was received, in milliseconds since the epoch. */
    public long receivedAt;

    /** Body type: {@link #BODY_8BITMIME}, {@link #BODY_BINARYMIME}, {@code 7BIT}, or {@code null} when none was declared. */
    public String body;

    /** {@code body} of a message with 8-bit lines (RFC 6152). */
    public static final String BODY_8BITMIME = "8BITMIME";
    /** {@code body} of a message of arbitrary bytes, sent with BDAT (RFC 3030): relayed only with BDAT. */
    public static final String BODY_BINARYMIME = "BINARYMIME";

    /**
     * SMTPUTF8 (RFC 6531): the addresses and header fields may hold UTF-8. Relayed only to a server that offers
     * SMTPUTF8; elsewhere the recipient fails (5.6.7) rather than see the message changed.
     */
    public boolean smtputf8;

    /**
     * REQUIRETLS (RFC 8689): relayed only over TLS with a certificate verified for the host, to a server that
     * offers REQUIRETLS; elsewhere the recipient fails (5.7.10).
     */
    public boolean requireTls;

    /**
     * The message carries {@code TLS-Required: No} (RFC 8689) and was not sent with REQUIRETLS: the sender asks
     * that a TLS policy that would stop the message be set aside.
     */
    public boolean tlsOptional;

    /** DSN RET (RFC 3461): {@code FULL} or {@code HDRS}, or {@code null} when not given. */
    public String dsnReturn;

    /** DSN ENVID (RFC 3461), as the client sent it (xtext), or {@code null}. */
    public String dsnEnvelopeId;

    /**
     * DSN NOTIFY (RFC 3461) per recipient: {@code NEVER}, or some of {@code SUCCESS}, {@code FAILURE},
     * {@code DELAY} joined by commas. A recipient that is not here has the default: failure and delay reports.
     */
    public Map<String, String> dsnNotify = new HashMap<>();

    /** DSN ORCPT (RFC 3461) per recipient: {@code addr-type;xtext} as the client sent it. */
    public Map<String, String> dsnOriginalRecipient = new HashMap<>();

    /**
     * The server every recipient goes to, {@code address:port} ({@code [IPv6 address]:port}), whatever their domains
     * (no MX lookup, no smarthost, no local mailbox): the server an intercepted client meant to reach. {@code null}:
     * the delivery service routes each recipient itself.
     *
     * @since 1.3
     */
    public String nextHop;
}
