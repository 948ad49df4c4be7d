package smtp.delivery.api;

import java.io.IOException;
import java.io.InputStream;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The delivery service: it takes messages and brings them to local mailboxes or
 * onwards to other mail servers.
 * <p>
 * The SMTP listener hands every accepted message to this service and answers
 * 250 to the client only after {@link #deliver} has returned. Any other
 * component may call it to send mail; no SMTP server is needed for that.
 */
@ProviderType
public interface MailDelivery {

    /**
     * Takes one message for delivery and returns once the message and its
     * envelope are durable: in the local mailboxes or the queue's store, forced
     * to disk, or synced to a broker's journal (and replicated, where the broker
     * is). After it returns, a crash loses nothing; when it throws, nothing of
     * the message is kept.
     *
     * @param envelope the envelope; its {@code queueId} may be {@code null}
     * @param content the message as RFC 5322 text with CRLF line ends, not
     *        dot-stuffed; read to its end
     * @return the queue id under which the message is kept
     * @throws DeliveryException if the message cannot be taken: temporarily
     *         (storage failing, full or out of reach: try later) or permanently (a recipient that does
     *         not exist, an envelope that is not valid)
     * @throws IOException if reading {@code content} failed; nothing is kept
     */
    String deliver(Envelope envelope, InputStream content) throws DeliveryException, IOException;

    /**
     * Says what {@link #deliver} would do with a recipient, so that an SMTP
     * server can refuse an unknown mailbox at RCPT time.
     *
     * @param address a {@code local@domain} address
     * @return the status of the address; {@link RecipientStatus#UNKNOWN} also
     *         for an address that is not valid
     */
    RecipientStatus checkRecipient(String address);

    /**
     * @return the postmaster of the primary local domain ({@code postmaster@<domain>}), where mail to
     *         {@code <Postmaster>} without a domain (RFC 5321 4.5.1) goes; {@code null} when there is no local domain
     */
    String postmaster();
}
