package smtp.delivery.api;

import java.util.ArrayList;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/** A message waiting in the delivery queue, as {@link MailQueue} shows it. */
@ProviderType
public class QueuedMessageDTO extends DTO {

    /** Queue id. */
    public String queueId;

    /** Reverse path; the empty string for the null sender. */
    public String sender = "";

    /** Recipients still to be delivered. */
    public List<String> recipients = new ArrayList<>();

    /** When the message was received, ms since the epoch. */
    public long receivedAt;

    /** Delivery attempts so far (0: not tried yet). */
    public int attempts;

    /** When the next attempt is due, ms since the epoch (0: now). */
    public long nextAttempt;

    /** Why the last attempt did not deliver, or {@code null}. */
    public String lastError;

    /**
     * The message's header section as it will be delivered (the Received header the listener added on top), at most
     * 16 KiB of it; filled in by {@link MailQueue#get} only, {@code null} in {@link MailQueue#list} or when the store
     * could not read it.
     *
     * @since 1.3
     */
    public String headers;
}
