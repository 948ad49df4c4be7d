package smtp.delivery.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The delivery queue for operators and consoles: what waits, and why, with
 * the means to try a message again now or to delete it. Where several
 * instances share one queue, every method covers the whole queue.
 * <p>
 * The methods other than {@link #status()} throw {@link IllegalStateException}
 * when the queue's store cannot be asked now (a broker out of reach); its
 * message says why.
 */
@ProviderType
public interface MailQueue {

    /** @return every queued message, oldest first */
    List<QueuedMessageDTO> list();

    /**
     * @param queueId a queue id
     * @return the message, or {@code null} if no such message is queued
     */
    QueuedMessageDTO get(String queueId);

    /**
     * Tries a queued message again now, whatever its schedule.
     *
     * @param queueId a queue id
     * @return {@code false} if no such message is queued
     */
    boolean retryNow(String queueId);

    /**
     * Removes a queued message without delivering it and without a bounce.
     *
     * @param queueId a queue id
     * @return {@code false} if no such message is queued
     */
    boolean delete(String queueId);

    /**
     * @return the state of the queue's store: available or not and why, and
     *         how many messages wait
     * @since 1.1
     */
    QueueStatusDTO status();
}
