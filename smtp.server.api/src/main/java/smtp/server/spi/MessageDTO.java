package smtp.server.spi;

import java.util.ArrayList;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/** A message accepted by the listener, as {@link SessionListener}s see it. */
@ProviderType
public class MessageDTO extends DTO {

    /** Identifier of the message in the delivery queue. */
    public String queueId;

    /** The reverse path (MAIL FROM); the empty string for the null sender {@code <>}. */
    public String sender = "";

    /** The accepted recipients (RCPT TO). */
    public List<String> recipients = new ArrayList<>();

    /** Size of the message in bytes as the client sent it (after dot-unstuffing). */
    public long size;

    /** When the end of the message was received, in milliseconds since the epoch. */
    public long receivedAt;

    /**
     * How long the server took from reading the end of the message to having handed it to delivery (the 250 follows),
     * in nanoseconds: the policy plugins, scanners and the queue's durable write.
     *
     * @since 1.2
     */
    public long acceptNanos;
}
