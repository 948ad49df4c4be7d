package smtp.queue.artemis.internal;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.FailoverEventType;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryException;

/**
 * The connection to the broker: it connects in the background until the broker
 * answers (and again after a failover that failed), follows failovers and
 * reconnects, says whether the broker can be used now and why not, and hands
 * out sessions. Sessions for sending are pooled; those of a connection that was
 * replaced are dropped.
 */
final class BrokerLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerLink.class);
    private static final long CONNECT_RETRY_MILLIS = 2000;

    /** The link's settings. */
    record Settings(String url, String user, String password, String queue, int largeMessageSize, int sendTimeoutSeconds,
            int failoverWaitSeconds) {}

    /** A pooled sending session with its producer, bound to the connection it was made on. */
    static final class Sender {
        final ClientSession session;
        final ClientProducer producer;
        private final ClientSessionFactory factory;

        private Sender(ClientSessionFactory factory, ClientSession session, ClientProducer producer) {
            this.factory = factory;
            this.session = session;
            this.producer = producer;
        }
    }

    private final Settings settings;
    private final SimpleString queue;
    private final ServerLocator locator;
    /** The workers': what they send back to the queue (a message to try again later) is a large message. */
    private final ServerLocator workerLocator;
    private final ConcurrentLinkedDeque<Sender> senders = new ConcurrentLinkedDeque<>();
    private final Thread connector;
    private volatile ClientSessionFactory factory;
    private volatile String problem = "not connected yet";
    private volatile boolean closed;

    /** The link's own threads, which hand what the broker sends to the consumers. */
    static final int CLIENT_THREADS = 8;
    /** Each locator's threads for its timers, and for the credits its consumers send: neither is busy. */
    static final int CLIENT_TIMER_THREADS = 2;
    /**
     * Messages that wait for their next attempt are kept by the broker in memory until it is due, even those it had
     * paged to disk: a backlog of deferred mail (a smarthost down for a day) would fill any heap. Sent back as large
     * messages, their content stays in a file of its own, and the broker holds only their envelope.
     */
    static final int DEFERRED_LARGE_MESSAGE_SIZE = 1024;

    BrokerLink(Settings settings) throws Exception {
        this.settings = settings;
        this.queue = SimpleString.of(settings.queue());
        this.locator = locator(settings, settings.largeMessageSize());
        this.workerLocator = locator(settings, DEFERRED_LARGE_MESSAGE_SIZE);
        try {
            connect(); // at once, so that a reachable broker is usable as soon as the link exists
        } catch (Exception e) {
            setProblem("cannot connect to " + settings.url() + ": " + describe(e));
            LOG.warn("Queue store: {}; trying again every {} s", problem, CONNECT_RETRY_MILLIS / 1000);
        }
        this.connector = new Thread(this::connectLoop, "smtp-queue-artemis-connect");
        connector.setDaemon(true);
        connector.start();
    }

    private static ServerLocator locator(Settings settings, int largeMessageSize) throws Exception {
        ServerLocator locator = ActiveMQClient.createServerLocator(settings.url());
        locator.setUseGlobalPools(false); // threads of this link's own, ended by close()
        locator.setBlockOnDurableSend(true); // a send returns once the broker has synced (and replicated) it
        locator.setMinLargeMessageSize(largeMessageSize);
        locator.setThreadPoolMaxSize(CLIENT_THREADS); // unbounded by default
        // timers (pings, call timeouts) and consumer credits: 5 and 10 threads by default, for two locators
        locator.setScheduledThreadPoolMaxSize(CLIENT_TIMER_THREADS);
        locator.setFlowControlThreadPoolMaxSize(CLIENT_TIMER_THREADS);
        locator.setCallTimeout(TimeUnit.SECONDS.toMillis(settings.sendTimeoutSeconds()));
        locator.setCallFailoverTimeout(TimeUnit.SECONDS.toMillis(settings.failoverWaitSeconds()));
        locator.setReconnectAttempts(-1); // follow failovers and outages for as long as they last
        locator.setRetryInterval(500);
        locator.setRetryIntervalMultiplier(2);
        locator.setMaxRetryInterval(5000);
        locator.setInitialConnectAttempts(1);
        // a connection gone silent (a network partition) counts as dead after 15 s, so that the broker hands what its
        // workers held to other instances; a process that dies closes its connections at once anyway
        locator.setConnectionTTL(15_000);
        locator.setClientFailureCheckPeriod(5_000);
        return locator;
    }

    /** @return null when the broker can be used now, else why not */
    String problem() {
        return problem;
    }

    /**
     * Waits up to the failover wait for the broker to be usable.
     *
     * @return null when it is, else why not
     */
    String awaitUsable() throws InterruptedException {
        if (problem == null) {
            return null;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.failoverWaitSeconds());
        synchronized (this) {
            while (problem != null && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return problem;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        return closed ? "the queue store is stopping" : null;
    }

    /**
     * Waits up to the failover wait for the broker to be usable.
     *
     * @param what what cannot be done meanwhile, for the exception's message
     * @throws DeliveryException (temporary) saying why, when it is still not usable
     */
    void requireUsable(String what) throws DeliveryException {
        String why;
        try {
            why = awaitUsable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException(what + ": interrupted while waiting for the broker", false, e);
        }
        if (why != null) {
            throw new DeliveryException(what + " (" + why + "), try again later", false);
        }
    }

    /** @return a sending session from the pool, or a new one */
    Sender sender() throws ActiveMQException {
        ClientSessionFactory current = usableFactory();
        for (Sender pooled; (pooled = senders.pollFirst()) != null; ) {
            if (pooled.factory == current && !pooled.session.isClosed()) {
                return pooled;
            }
            closeQuietly(pooled.session);
        }
        ClientSession session = current.createSession(settings.user(), settings.password(), false, true, true, false,
                ActiveMQClient.DEFAULT_ACK_BATCH_SIZE);
        return new Sender(current, session, session.createProducer(queue));
    }

    /** Returns a sender to the pool after a send that succeeded, or that failed because of what was sent. */
    void release(Sender sender) {
        if (closed) {
            closeQuietly(sender.session);
        } else {
            senders.addFirst(sender);
        }
    }

    /** Closes a sender whose session may be in an unknown state. */
    void discard(Sender sender) {
        closeQuietly(sender.session);
    }

    /**
     * @param transacted whether sends and acknowledgements wait for {@code commit}
     * @return a new session, started
     */
    ClientSession session(boolean transacted) throws ActiveMQException {
        return session(usableFactory(), transacted);
    }

    SimpleString queue() {
        return queue;
    }

    /**
     * A connection of its own (for the workers, so that closing it ends their sessions at once, whatever state a
     * failover left them in), following failovers like the link's.
     *
     * @throws ActiveMQException if the broker cannot be reached now
     */
    ClientSessionFactory newFactory() throws ActiveMQException {
        try {
            return workerLocator.createSessionFactory();
        } catch (ActiveMQException e) {
            throw e;
        } catch (Exception e) {
            throw new ActiveMQException(describe(e));
        }
    }

    /** @return a session of a factory, transacted or not, started */
    ClientSession session(ClientSessionFactory on, boolean transacted) throws ActiveMQException {
        ClientSession session = on.createSession(settings.user(), settings.password(), false, !transacted, !transacted,
                false, ActiveMQClient.DEFAULT_ACK_BATCH_SIZE);
        session.start();
        return session;
    }

    /** Ends a factory's sessions locally (no broker round trip, which could wait for a failover) and closes it. */
    static void closeNow(ClientSessionFactory factory) {
        factory.cleanup();
        factory.close();
    }

    private ClientSessionFactory usableFactory() throws ActiveMQException {
        ClientSessionFactory current = factory;
        if (current == null || current.isClosed()) {
            throw new ActiveMQException("the broker cannot be reached: " + problem);
        }
        return current;
    }

    private void connectLoop() {
        while (!closed) {
            ClientSessionFactory current = factory;
            if (current == null || current.isClosed()) {
                try {
                    connect();
                } catch (Exception e) {
                    String why = "cannot connect to " + settings.url() + ": " + describe(e);
                    if (!why.equals(problem)) {
                        LOG.warn("Queue store: {}; trying again every {} s", why, CONNECT_RETRY_MILLIS / 1000);
                    }
                    setProblem(why);
                }
            }
            try {
                Thread.sleep(CONNECT_RETRY_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void connect() throws Exception {
        ClientSessionFactory created = locator.createSessionFactory();
        created.addFailoverListener(event -> {
            if (event == FailoverEventType.FAILURE_DETECTED) {
                LOG.warn("Queue store: the connection to the broker failed; reconnecting (failing over to a backup if "
                        + "there is one)");
                setProblem("the connection to the broker failed; reconnecting");
            } else if (event == FailoverEventType.FAILOVER_COMPLETED) {
                LOG.info("Queue store: connected again");
                setProblem(null);
            } else {
                LOG.warn("Queue store: reconnecting failed; connecting anew");
                setProblem("the broker cannot be reached");
                created.close();
            }
        });
        try (ClientSession session = created.createSession(settings.user(), settings.password(), false, true, true,
                false, ActiveMQClient.DEFAULT_ACK_BATCH_SIZE)) {
            if (!session.queueQuery(queue).isExists()) {
                session.createQueue(QueueConfiguration.of(queue).setRoutingType(RoutingType.ANYCAST).setDurable(true));
                LOG.info("Queue store: created the queue {} at the broker", queue);
            }
        } catch (ActiveMQException e) {
            created.close();
            throw e;
        }
        factory = created;
        LOG.info("Queue store: connected to {}", settings.url());
        setProblem(null);
    }

    private synchronized void setProblem(String why) {
        problem = why;
        notifyAll();
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    private static void closeQuietly(ClientSession session) {
        try {
            session.close();
        } catch (ActiveMQException | RuntimeException e) {
            // the session belonged to a connection that is gone
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        connector.interrupt();
        for (Sender sender; (sender = senders.pollFirst()) != null; ) {
            closeQuietly(sender.session);
        }
        ClientSessionFactory current = factory;
        if (current != null) {
            closeNow(current);
        }
        locator.close();
        workerLocator.close();
        try {
            connector.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
