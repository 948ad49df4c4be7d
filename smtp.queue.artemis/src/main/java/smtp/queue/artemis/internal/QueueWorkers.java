package smtp.queue.artemis.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.activemq.artemis.api.core.ActiveMQAddressFullException;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.spi.QueueEntryDTO;
import smtp.delivery.spi.QueueWorker;

/**
 * The delivery workers of one instance: threads that each take a message from
 * the queue, hand it to the worker, and then, in one broker transaction,
 * acknowledge it and (when something remains) send its successor with the new
 * entry, held by the broker until the next attempt. A worker that throws gets
 * the message back a minute later; a process that dies gets it redelivered by
 * the broker, to any instance, at once.
 */
final class QueueWorkers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueueWorkers.class);
    static final long RETRY_AFTER_FAILURE_MILLIS = 60_000;
    /**
     * How long a worker waits for a message before it asks the broker once more: every wait that ends empty costs a
     * few round trips with the broker (40 a second for 20 idle workers waiting half a second), and {@link #close}
     * wakes waiting workers itself; short enough that a worker whose wait a fail-over disturbed soon asks again.
     */
    static final long RECEIVE_MILLIS = 5_000;
    private static final long PAUSE_AFTER_FAILURE_MILLIS = 1000;
    private static final long FULL_PAUSE_MILLIS = 5000;
    /** How long close() lets deliveries under way finish. */
    private static final long FINISH_SECONDS = 20;

    private final BrokerLink link;
    private final QueueWorker worker;
    private final Path spillDirectory;
    private final List<Thread> threads = new ArrayList<>();
    private final Set<Thread> receiving = new HashSet<>(); // workers waiting for a message, guarded by this
    private final int concurrency;
    private ClientSessionFactory factory; // the workers' own connection, made when first needed
    private volatile boolean closed;

    QueueWorkers(BrokerLink link, QueueWorker worker, int concurrency, Path spillDirectory) {
        this.link = link;
        this.worker = worker;
        this.spillDirectory = spillDirectory;
        this.concurrency = Math.max(1, concurrency);
        for (int i = 0; i < this.concurrency; i++) {
            Thread thread = new Thread(this::work, "smtp-queue-artemis-worker-" + i);
            threads.add(thread);
            thread.start();
        }
    }

    /** @return how many messages these workers deliver at once */
    int concurrency() {
        return concurrency;
    }

    private void work() {
        while (!closed) {
            if (link.problem() != null) {
                pause(PAUSE_AFTER_FAILURE_MILLIS);
                continue;
            }
            // consumer window 0: the broker hands a message to a worker only when it asks, so that idle workers of
            // other instances get what this one cannot take now
            try (ClientSession session = link.session(factory(), true);
                    ClientConsumer consumer = session.createConsumer(link.queue(), null, 0, -1, false);
                    ClientProducer producer = session.createProducer(link.queue())) {
                while (!closed) {
                    ClientMessage message = receive(consumer);
                    if (closed) {
                        Thread.interrupted(); // close() may have interrupted the wait just as it ended
                    }
                    if (message != null) { // also once closing: a delivery under way may finish
                        handle(session, producer, message);
                    }
                }
            } catch (ActiveMQException | RuntimeException e) {
                Thread.interrupted(); // close() woke this worker while it waited
                if (!closed) {
                    LOG.debug("Queue worker: {}; starting over", BrokerLink.describe(e));
                    pause(PAUSE_AFTER_FAILURE_MILLIS);
                }
            }
        }
    }

    /** A message, or null after a wait that ended empty; {@link #close} interrupts the wait. */
    private ClientMessage receive(ClientConsumer consumer) throws ActiveMQException {
        Thread current = Thread.currentThread();
        synchronized (this) {
            if (closed) {
                return null;
            }
            receiving.add(current);
        }
        try {
            return consumer.receive(RECEIVE_MILLIS);
        } finally {
            synchronized (this) {
                receiving.remove(current);
            }
        }
    }

    private synchronized ClientSessionFactory factory() throws ActiveMQException {
        if (closed) {
            throw new ActiveMQException("the workers are stopping");
        }
        if (factory == null || factory.isClosed()) {
            factory = link.newFactory();
        }
        return factory;
    }

    private void handle(ClientSession session, ClientProducer producer, ClientMessage message) throws ActiveMQException {
        QueueEntryDTO entry = EntryMessages.read(message);
        if (entry == null) {
            LOG.error("Queue worker: message {} in {} is not one of the mail server's (no {}); removed", message.getMessageID(),
                    link.queue(), EntryMessages.QUEUE_ID);
            message.acknowledge();
            session.commit();
            return;
        }
        try (QueueContent content = QueueContent.of(message, message.isLargeMessage(), spillDirectory)) {
            QueueEntryDTO remains;
            try {
                remains = worker.deliver(entry, content);
            } catch (Exception e) {
                LOG.error("{}: delivery failed; the message stays queued and is tried again in a minute", entry.queueId, e);
                remains = entry;
                remains.nextAttempt = System.currentTimeMillis() + RETRY_AFTER_FAILURE_MILLIS;
                remains.redelivered = true;
            }
            if (remains != null) {
                remains.queueId = entry.queueId;
                ClientMessage successor = session.createMessage(Message.DEFAULT_TYPE, true);
                EntryMessages.write(remains, successor);
                content.into(successor);
                if (successor.getHeadersAndPropertiesEncodeSize() < BrokerLink.DEFERRED_LARGE_MESSAGE_SIZE) {
                    producer.send(successor); // a large message: until it is due, the broker holds only its envelope
                } else {
                    sendLargeEnvelope(remains, successor);
                }
            }
            message.acknowledge();
            session.commit();
        } catch (ActiveMQAddressFullException e) {
            // the successor does not fit: the broker gives the message out again; this worker waits for room
            LOG.warn("{}: the queue is full; its next attempt cannot be recorded, so it is tried again in {} s",
                    entry.queueId, FULL_PAUSE_MILLIS / 1000);
            rollback(session);
            pause(FULL_PAUSE_MILLIS);
        } catch (ActiveMQException e) {
            rollback(session);
            throw e;
        } catch (java.io.IOException e) {
            // the content could not be kept for the worker (a full disk): the broker gives the message out again
            LOG.error("{}: cannot read the message from the broker: {}", entry.queueId, e.getMessage());
            rollback(session);
            pause(PAUSE_AFTER_FAILURE_MILLIS);
        }
    }

    /**
     * Sends a successor whose envelope (many recipients, a long error) is too large for the first packet of the
     * workers' large messages, on a sending session of the link's, before the original is acknowledged: its content
     * is kept as any stored message's is. A duplicate id (queue id and attempt) makes the broker drop a second send of
     * the same successor, should this instance fail between the send and the acknowledgement and the message be
     * handled again.
     */
    private void sendLargeEnvelope(QueueEntryDTO remains, ClientMessage successor) throws ActiveMQException {
        successor.putStringProperty(Message.HDR_DUPLICATE_DETECTION_ID.toString(),
                remains.queueId + "-" + remains.attempts);
        BrokerLink.Sender sender = link.sender();
        try {
            sender.producer.send(successor);
        } catch (ActiveMQException | RuntimeException e) {
            link.discard(sender);
            throw e;
        }
        link.release(sender);
    }

    private static void rollback(ClientSession session) {
        try {
            session.rollback();
        } catch (ActiveMQException | RuntimeException e) {
            // the session is gone with its transaction; the broker redelivers what it held
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            closed = true;
            // a worker waiting for a message stops waiting; a delivery under way may finish
            receiving.forEach(Thread::interrupt);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FINISH_SECONDS);
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        synchronized (this) {
            if (factory != null) {
                BrokerLink.closeNow(factory); // ends sessions stuck waiting for a broker that is away
            }
        }
        for (Thread thread : threads) {
            thread.join(5000);
            if (thread.isAlive()) {
                LOG.warn("{} still busy after {} s; the broker keeps what it has not finished", thread.getName(),
                        FINISH_SECONDS);
                thread.interrupt();
            }
        }
    }
}
