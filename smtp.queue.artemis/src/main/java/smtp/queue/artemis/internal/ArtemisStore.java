package smtp.queue.artemis.internal;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;

import org.apache.activemq.artemis.api.core.ActiveMQAddressFullException;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.core.client.impl.ClientMessageImpl;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.QueueStatusDTO;
import smtp.delivery.spi.HeaderSection;
import smtp.delivery.spi.QueueEntryDTO;
import smtp.delivery.spi.QueueStore;
import smtp.delivery.spi.QueueWorker;

/**
 * The delivery queue's store on Apache Artemis (PID {@value #PID}): a broker
 * embedded in this framework ({@link EmbeddedBroker}) or a remote one, an HA
 * pair or a cluster ({@link BrokerLink}). A message is one broker message: the
 * content as its body, the entry as its properties ({@link EntryMessages});
 * deferred messages are held by the broker until their next attempt. Every
 * instance pointed at the same broker shares the queue: each stores, any
 * delivers, and each lists the whole of it.
 */
@Component(configurationPid = ArtemisStore.PID, property = QueueStore.NAME + "=artemis")
@Designate(ocd = ArtemisConfiguration.class)
public final class ArtemisStore implements QueueStore {

    static final String PID = "smtp.queue.artemis";
    /** Once mail was refused for a full queue, the status says full until the queue is below this share. */
    private static final long FULL_UNTIL_PERCENT = 90;
    /** How long a console's look at a queued message waits for the broker to hand it to the browser. */
    private static final long BROWSE_MILLIS = 2000;

    private static final Logger LOG = LoggerFactory.getLogger(ArtemisStore.class);

    private final String location;
    private final int largeMessageSize;
    private final Path spillDirectory;
    private final long inFlowDelayNanos;
    private final EmbeddedBroker broker;
    private final BrokerLink link;
    private final Management management;
    private volatile QueueWorkers workers;
    /** For the embedded broker: whether the heap can take more mail; null for a remote broker. */
    private final HeapGuard heap;
    /** Whether the last message refused was refused for a full queue, and none has been taken since. */
    private volatile boolean refusedFull;

    /** The default memory limit's ceiling: the queue's part of a large heap. */
    static final long MAX_DEFAULT_MEMORY_LIMIT = 32L * 1024 * 1024;

    /**
     * @return the configured memory limit, or for 0 a sixteenth of the heap, at most 32 MiB: the broker's copies of
     *         queued messages and the ones it reads back from its pages (as much again) still leave the sessions and
     *         the delivery workers their room in a small heap
     */
    static long memoryLimit(long configured, long maxHeap) {
        if (configured > 0) {
            return Math.max(1024 * 1024, configured);
        }
        return Math.max(1024 * 1024, Math.min(MAX_DEFAULT_MEMORY_LIMIT, maxHeap / 16));
    }

    @Activate
    public ArtemisStore(ArtemisConfiguration config) throws Exception {
        this(config, HeapGuard.REFUSE_PERCENT);
    }

    /** @param heapRefusePercent for the embedded broker: the heap's share in use from which mail is refused */
    ArtemisStore(ArtemisConfiguration config, int heapRefusePercent) throws Exception {
        Path journal = Paths.get(config.journalDirectory()).toAbsolutePath();
        boolean embedded = config.url().isBlank();
        if (embedded) {
            this.broker = new EmbeddedBroker(new EmbeddedBroker.Settings(journal, config.queue(), config.acceptor(),
                    config.maxQueueSize(), memoryLimit(config.memoryLimit(), Runtime.getRuntime().maxMemory()),
                    config.brokerConfiguration().isBlank() ? null : Paths.get(config.brokerConfiguration()).toAbsolutePath()));
            this.location = "embedded broker, journal " + journal;
            this.heap = new HeapGuard(heapRefusePercent);
        } else {
            this.broker = null;
            this.location = config.url().trim();
            this.heap = null;
        }
        this.largeMessageSize = config.largeMessageSize();
        this.inFlowDelayNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, config.inFlowDelay()));
        this.spillDirectory = journal.resolve("tmp");
        try {
            this.link = new BrokerLink(new BrokerLink.Settings(embedded ? EmbeddedBroker.IN_VM : config.url().trim(),
                    config.user().isBlank() ? null : config.user(), config._password().isEmpty() ? null : config._password(),
                    config.queue(), config.largeMessageSize(), config.sendTimeout(), config.failoverWait()));
        } catch (Exception e) {
            if (broker != null) {
                broker.close();
            }
            throw new IllegalArgumentException("cannot use the broker URL '" + config.url() + "': " + BrokerLink.describe(e)
                    + "; fix url of " + PID, e);
        }
        this.management = new Management(link);
        LOG.info("Queue store: Artemis, {}, queue {}", location, config.queue());
    }

    @Deactivate
    void stop() throws Exception {
        try {
            QueueWorkers current = workers;
            if (current != null) {
                current.close();
            }
            link.close();
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Override
    public void store(QueueEntryDTO entry, InputStream content) throws DeliveryException, IOException {
        link.requireUsable("the mail queue is unavailable");
        String shortOf = heap == null ? null : heap.problem();
        if (shortOf != null) {
            LOG.warn("{}: not queued: {}", entry.queueId, shortOf);
            throw new DeliveryException("the mail queue is full, try again later", false);
        }
        awaitWorkers();
        WatchedContent body = new WatchedContent(content);
        // the message is read before a sender is taken: a slow client holds no connection to the broker
        ClientMessage message = newMessage();
        boolean large = !readWhole(body, message.getBodyBuffer(), largeMessageSize); // a smaller message: into the journal
        if (large) { // a larger one is streamed in chunks, into a file of its own
            byte[] head = new byte[message.getBodyBuffer().readableBytes()];
            message.getBodyBuffer().readBytes(head);
            message = newMessage();
            message.setBodyInputStream(new SequenceInputStream(new ByteArrayInputStream(head), body));
        }
        BrokerLink.Sender sender;
        try {
            sender = link.sender();
        } catch (ActiveMQException e) {
            throw unavailable(entry, e);
        }
        boolean clean = false;
        try {
            EntryMessages.write(entry, message);
            sender.producer.send(message);
            clean = true;
            refusedFull = false;
        } catch (ActiveMQException e) {
            // a large message half sent is dropped by the broker with its session; a producer told the address is
            // full keeps refusing until the broker grants it credits again: neither goes back to the pool
            clean = !large && !(e instanceof ActiveMQAddressFullException);
            if (body.failure != null) {
                throw body.failure; // the client's data failed, not the broker
            }
            throw unavailable(entry, e);
        } finally {
            if (clean) {
                link.release(sender);
            } else {
                link.discard(sender);
            }
        }
    }

    /** The body buffer a message starts with: a message of a few KiB fits, a larger one grows it as it is read. */
    static final int FIRST_BUFFER = 8 * 1024;
    /** The least room the body buffer is given for the next read. */
    private static final int LEAST_READ = 2 * 1024;

    /** The priority a session gives the messages it creates. */
    private static final byte DEFAULT_PRIORITY = 4;

    /**
     * @return a durable message as a session would create it, but not bound to one: a session is taken from the pool only
     *         once the body is read
     */
    private static ClientMessage newMessage() {
        return new ClientMessageImpl(Message.DEFAULT_TYPE, true, 0, System.currentTimeMillis(), DEFAULT_PRIORITY,
                FIRST_BUFFER);
    }

    /**
     * Reads the content into a message's body, at most {@code limit} bytes, straight into the body buffer's array (no
     * array of its own to copy from, as {@code readNBytes} would have).
     *
     * @return whether the content ended before the limit; if not, the body holds its first {@code limit} bytes
     */
    static boolean readWhole(InputStream content, ActiveMQBuffer body, int limit) throws IOException {
        ByteBuf buffer = body.byteBuf();
        int read = 0;
        try {
            while (read < limit) {
                if (buffer.writableBytes() < LEAST_READ) {
                    // four times as large: a 100 KiB message allocates 168 KiB on the way, not 248 as by doubling
                    buffer.ensureWritable(Math.min(limit - read, Math.max(LEAST_READ, 3 * buffer.capacity())));
                }
                int n = buffer.writeBytes(content, Math.min(buffer.writableBytes(), limit - read));
                if (n < 0) {
                    return true;
                }
                read += n;
            }
            return false;
        } finally {
            body.writerIndex(buffer.writerIndex()); // as the body's own writes do: the message learns its body changed
        }
    }

    /** How often a held-back message looks again whether the workers caught up. */
    private static final long IN_FLOW_STEP_MILLIS = 2;

    /**
     * Holds a message back, at most the in-flow delay, while more due messages wait in the embedded broker than this
     * instance has workers: the senders then go at the pace of delivery, and the queue stays in memory instead of
     * being paged out to disk and read back, which costs more than the wait. Deferred mail does not count, and with
     * no workers here (delivery stopped) nothing is held back.
     */
    private void awaitWorkers() throws InterruptedIOException {
        QueueWorkers current = workers;
        if (broker == null || current == null || inFlowDelayNanos == 0) {
            return;
        }
        long deadline = System.nanoTime() + inFlowDelayNanos;
        while (broker.waiting(link.queue()) > current.concurrency() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(IN_FLOW_STEP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the delivery workers caught up");
            }
        }
    }

    private DeliveryException unavailable(QueueEntryDTO entry, ActiveMQException e) {
        if (e instanceof ActiveMQAddressFullException) {
            refusedFull = true;
            LOG.warn("{}: not queued: the queue is full ({})", entry.queueId, BrokerLink.describe(e));
            return new DeliveryException("the mail queue is full, try again later", false, e);
        }
        LOG.warn("{}: not queued: {}", entry.queueId, BrokerLink.describe(e));
        return new DeliveryException("the mail queue is unavailable, try again later", false, e);
    }

    @Override
    public synchronized AutoCloseable consume(QueueWorker worker, int concurrency) {
        if (workers != null) {
            throw new IllegalStateException("the queue is worked already by this instance");
        }
        QueueWorkers started = new QueueWorkers(link, worker, concurrency, spillDirectory);
        workers = started;
        return () -> {
            started.close();
            synchronized (this) {
                workers = null;
            }
        };
    }

    @Override
    public List<QueueEntryDTO> list() throws DeliveryException {
        return entries(management.messages(""));
    }

    @Override
    public QueueEntryDTO get(String queueId) throws DeliveryException {
        if (!isQueueId(queueId)) {
            return null;
        }
        for (QueueEntryDTO entry : entries(management.messages(EntryMessages.filter(queueId)))) {
            if (entry.queueId.equals(queueId)) {
                entry.headers = browseHeaders(queueId);
                if (entry.headers == null && broker != null) {
                    entry.headers = scheduledHeaders(queueId);
                }
                return entry;
            }
        }
        return null;
    }

    /** @return the header section of a deferred message in the embedded broker, or null */
    private String scheduledHeaders(String queueId) {
        try {
            return broker.scheduledHeaders(link.queue().toString(), EntryMessages.QUEUE_ID, queueId);
        } catch (ActiveMQException | IOException | RuntimeException e) {
            LOG.debug("{}: header section not read: {}", queueId, e.toString());
            return null;
        }
    }

    /**
     * Reads the header section of a message that is due, with a browser that leaves the message where it is.
     *
     * @return the header section, or null when the message is not in the queue now (scheduled, or being delivered)
     */
    private String browseHeaders(String queueId) {
        try (ClientSession session = link.session(false);
                ClientConsumer browser = session.createConsumer(link.queue(), SimpleString.of(EntryMessages.filter(queueId)),
                        true)) {
            ClientMessage message = browser.receive(BROWSE_MILLIS);
            if (message == null) {
                return null;
            }
            if (!message.isLargeMessage()) {
                byte[] body = new byte[message.getBodySize()];
                message.getBodyBuffer().readBytes(body);
                return HeaderSection.read(new ByteArrayInputStream(body));
            }
            HeaderSection.Collector headers = new HeaderSection.Collector();
            message.saveToOutputStream(headers);
            return headers.text();
        } catch (ActiveMQException | IOException | RuntimeException e) {
            LOG.debug("{}: header section not read: {}", queueId, e.toString());
            return null;
        }
    }

    @Override
    public boolean retryNow(String queueId) throws DeliveryException {
        if (get(queueId) == null) {
            return false;
        }
        management.deliverScheduled(EntryMessages.filter(queueId));
        return true;
    }

    @Override
    public boolean delete(String queueId) throws DeliveryException {
        return isQueueId(queueId) && management.remove(EntryMessages.filter(queueId)) > 0;
    }

    @Override
    public QueueStatusDTO status() {
        QueueStatusDTO status = new QueueStatusDTO();
        status.store = "artemis";
        status.location = location;
        status.problem = link.problem();
        if (status.problem == null && heap != null) {
            status.problem = heap.problem();
        }
        if (status.problem == null) {
            try {
                status.messages = management.messageCount();
                status.deferred = management.scheduledCount();
                long percent = management.addressLimitPercent();
                if (percent >= 100 || refusedFull && percent >= FULL_UNTIL_PERCENT) {
                    status.problem = "the queue is full (" + percent + "% of its maximum size); mail is refused until "
                            + "there is room";
                } else {
                    refusedFull = false;
                }
            } catch (DeliveryException e) {
                status.problem = e.getMessage();
            }
        }
        status.available = status.problem == null;
        return status;
    }

    /** The entries of listed messages, one per queue id, oldest first. */
    private static List<QueueEntryDTO> entries(List<Map<?, ?>> listed) {
        Map<String, QueueEntryDTO> byId = new LinkedHashMap<>();
        for (Map<?, ?> message : listed) {
            QueueEntryDTO entry = EntryMessages.read(message);
            if (entry != null) {
                byId.putIfAbsent(entry.queueId, entry);
            }
        }
        List<QueueEntryDTO> entries = new ArrayList<>(byId.values());
        entries.sort(Comparator.comparingLong(entry -> entry.receivedAt));
        return entries;
    }

    static boolean isQueueId(String queueId) {
        return queueId != null && queueId.matches("[A-Za-z0-9]{1,64}");
    }

    /** The client's content, remembering a failure to read it, which is not the broker's. */
    private static final class WatchedContent extends FilterInputStream {
        IOException failure;

        WatchedContent(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public void close() {
            // the caller's stream: the broker client closes what it streams, but not this
        }
    }
}
