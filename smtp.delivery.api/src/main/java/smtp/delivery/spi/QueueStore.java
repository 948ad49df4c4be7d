package smtp.delivery.spi;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.QueueStatusDTO;

/**
 * The durable store behind the delivery queue: it keeps each accepted message
 * until a worker is done with it, holds deferred messages until their next
 * attempt, and hands due messages to the workers of every instance that shares
 * it.
 * <p>
 * Services carry {@link #NAME}, so that the delivery service can be pointed at
 * one store when several are present.
 */
@ProviderType
public interface QueueStore {

    /** Service property: {@code String}, the store's name ({@code artemis}, {@code spool}). */
    String NAME = "smtp.queue.store";

    /**
     * Stores a message, due now, and returns once it is durable: forced to disk
     * for a local store; for a broker, synced to its journal and replicated
     * where the broker is replicated. After it returns a crash loses nothing;
     * when it throws, nothing of the message is kept.
     *
     * @param entry the entry; its queue id is new
     * @param content the message; read to its end, not closed
     * @throws DeliveryException temporary when the store cannot take the message now (unreachable, full,
     *         failing), with a reason fit for an SMTP reply
     * @throws IOException if reading {@code content} failed
     */
    void store(QueueEntryDTO entry, InputStream content) throws DeliveryException, IOException;

    /**
     * Starts handing due messages to a worker, at most {@code concurrency} at
     * once, on threads of the store's, until the returned handle is closed.
     * Closing it stops taking messages and waits for those under way.
     *
     * @param worker the worker
     * @param concurrency how many messages it may work at once, at least 1
     * @return the handle that stops the consumption
     */
    AutoCloseable consume(QueueWorker worker, int concurrency);

    /**
     * @return every queued message, due, deferred or being delivered, in the
     *         whole store (every instance's), oldest first
     * @throws DeliveryException if the store cannot be asked now
     */
    List<QueueEntryDTO> list() throws DeliveryException;

    /**
     * @param queueId a queue id
     * @return the message's entry, or {@code null} if no such message is queued; its {@code headers} hold the
     *         message's header section ({@link HeaderSection}) where the store can read it (since 1.1)
     * @throws DeliveryException if the store cannot be asked now
     */
    QueueEntryDTO get(String queueId) throws DeliveryException;

    /**
     * Makes a deferred message due now.
     *
     * @param queueId a queue id
     * @return {@code false} if no such message is queued
     * @throws DeliveryException if the store cannot be asked now
     */
    boolean retryNow(String queueId) throws DeliveryException;

    /**
     * Removes a message that is not being delivered at this moment.
     *
     * @param queueId a queue id
     * @return {@code false} if no such message is queued, or it is being delivered
     * @throws DeliveryException if the store cannot be asked now
     */
    boolean delete(String queueId) throws DeliveryException;

    /** @return whether the store takes messages now, and if not, why */
    QueueStatusDTO status();
}
