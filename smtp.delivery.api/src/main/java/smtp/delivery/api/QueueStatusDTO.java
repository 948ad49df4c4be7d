package smtp.delivery.api;

import org.osgi.dto.DTO;

/** The state of the delivery queue's store, as {@link MailQueue#status()} tells it. */
public class QueueStatusDTO extends DTO {

    /** The store's name: {@code artemis} or {@code spool}. */
    public String store;

    /** Where the store keeps messages: a directory, an embedded broker's journal, or broker URLs. */
    public String location;

    /** Whether the store takes messages now; while it does not, the SMTP listener answers 451 4.3.0. */
    public boolean available;

    /** Why the store does not take messages now (unreachable, full), or {@code null} when it does. */
    public String problem;

    /** Messages in the queue (every instance's), or -1 when not known. */
    public long messages = -1;

    /** Of those, messages deferred to a later attempt, or -1 when not known. */
    public long deferred = -1;
}
