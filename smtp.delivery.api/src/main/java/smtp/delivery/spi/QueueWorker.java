package smtp.delivery.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Delivers queued messages: the delivery service gives one to
 * {@link QueueStore#consume}, and the store calls it for every message that is
 * due, on threads of the store's.
 */
@ConsumerType
public interface QueueWorker {

    /**
     * Works one message: delivers what it can, and says what remains.
     * <p>
     * The store applies the answer atomically: it removes the message, or
     * replaces its entry and holds the message until the new entry's
     * {@code nextAttempt}. If the worker throws, or its process dies, the
     * message stays as it was and is handed out again later (with
     * {@link QueueEntryDTO#redelivered} set), by this instance or another.
     *
     * @param entry the message's entry; the worker may not change it
     * @param content the message
     * @return {@code null} when nothing remains (delivered, bounced or given
     *         up), or the entry to keep: fewer recipients, another attempt
     *         count, the time of the next attempt and the last error; same
     *         queue id
     * @throws Exception if the attempt could not be made; the message is kept
     */
    QueueEntryDTO deliver(QueueEntryDTO entry, MessageContent content) throws Exception;
}
