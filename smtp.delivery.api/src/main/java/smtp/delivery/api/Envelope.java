package smtp.delivery.api;

import java.util.ArrayList;
import java.util.List;

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
}
