package smtp.delivery.spi;

import smtp.delivery.api.QueuedMessageDTO;

/**
 * What a {@link QueueStore} keeps of a message besides its content: the fields
 * it lists and schedules by (those of {@link QueuedMessageDTO}: queue id,
 * sender, recipients still to be delivered, when it was received, attempts,
 * when it is due, the last error), and the envelope in the delivery service's
 * own encoding, which the store keeps as it is.
 * <p>
 * The queue id is 1 to 64 characters out of {@code [A-Za-z0-9]}, unique across
 * every instance sharing the store; {@code nextAttempt} 0 or a time past means
 * due now.
 */
public class QueueEntryDTO extends QueuedMessageDTO {

    /**
     * The whole envelope, encoded by the delivery service (one line of text
     * per field, UTF-8, no NUL). Opaque to the store.
     */
    public String envelope;

    /**
     * Set by the store when it hands the entry to a worker: {@code true} if it
     * may have been handed to a worker before (one that crashed or failed before
     * it finished), so that the worker checks for deliveries already made.
     */
    public boolean redelivered;
}
