package smtp.server.internal.session;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.api.CountersDTO;
import smtp.server.spi.MessageDTO;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.SessionDTO;
import smtp.server.spi.SessionListener;

/**
 * The live sessions of the listener: the connection limits (in all, taken at
 * accept; per client address, once the client's address is known), the session
 * deadline, draining, and the whiteboard of {@link SessionListener}s that each
 * session's story is told to.
 */
public final class Sessions {

    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

    /** Connection limits and the session deadline. */
    public record Limits(int maxConnections, int maxConnectionsPerClient, int sessionDeadlineSeconds) {}

    private final Set<SessionInfo> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<String, Integer> perClient = new HashMap<>();
    private final List<SessionListener> listeners;
    private final Limits limits;
    private final ScheduledExecutorService deadlines;
    private final Counters counters;

    public Sessions(List<SessionListener> listeners, Limits limits, ScheduledExecutorService deadlines, Counters counters) {
        this.listeners = listeners;
        this.limits = limits;
        this.deadlines = deadlines;
        this.counters = counters;
    }

    /**
     * @return the timer of the session deadlines; a deadline cancelled when its session ends leaves the
     *         queue at once (it would otherwise stay there until it was due, one per connection)
     */
    public static ScheduledExecutorService deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "smtp-session-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    public Counters counters() {
        return counters;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Takes a place for a new connection, before anything is read from it.
     *
     * @return false when the listener has its maximum of connections already (the connection is counted refused)
     */
    public boolean reserve() {
        if (connections.incrementAndGet() > limits.maxConnections()) {
            connections.decrementAndGet();
            counters.refused(CountersDTO.REFUSED_MAX_CONNECTIONS);
            return false;
        }
        return true;
    }

    /** Gives back the place of a connection that ended before its session opened. */
    public void unreserve() {
        connections.decrementAndGet();
    }

    /**
     * Opens a session on a reserved place, once its client's address is known.
     *
     * @return null when it may go on, else why it is refused, for a 421 reply (the caller gives the place back)
     */
    public String open(SessionInfo session) {
        String address = session.clientAddress();
        synchronized (perClient) {
            int fromClient = perClient.getOrDefault(address, 0);
            if (fromClient >= limits.maxConnectionsPerClient()) {
                counters.refused(CountersDTO.REFUSED_MAX_PER_CLIENT);
                LOG.info("Connection from {} refused: it has {} already, the maximum per client", address, fromClient);
                return "Too many connections from your address, try again later";
            }
            perClient.merge(address, 1, Integer::sum);
        }
        live.add(session);
        counters.connections.increment();
        session.deadline = deadlines.schedule(() -> expire(session), limits.sessionDeadlineSeconds(), TimeUnit.SECONDS);
        SessionDTO snapshot = session.snapshot();
        notify(listener -> listener.connected(snapshot));
        return null;
    }

    /** The session ended: its place and its client's count are given back, and the listeners told. */
    public void close(SessionInfo session) {
        if (!live.remove(session)) {
            return;
        }
        session.deadline.cancel(false);
        connections.decrementAndGet();
        String address = session.clientAddress();
        synchronized (perClient) {
            perClient.computeIfPresent(address, (key, count) -> count > 1 ? count - 1 : null);
        }
        SessionDTO snapshot = session.snapshot();
        notify(listener -> listener.disconnected(snapshot));
    }

    private void expire(SessionInfo session) {
        if (live.contains(session)) {
            LOG.info("Session {} from {} reached the session deadline of {} s; connection closed", session.id,
                    session.clientAddress(), limits.sessionDeadlineSeconds());
            session.control.expire();
        }
    }

    public void messageScanned(SessionDTO session, ScanResultDTO result) {
        counters.scanned(result);
        notify(listener -> listener.messageScanned(session, result));
    }

    public void policyDecided(SessionInfo session, PolicyResultDTO result) {
        counters.decided(result);
        SessionDTO snapshot = session.snapshot();
        notify(listener -> listener.policyDecided(snapshot, result));
    }

    public void messageRefused(SessionInfo session, String reason, String reply) {
        if (!listeners.isEmpty()) {
            SessionDTO snapshot = session.snapshot();
            notify(listener -> listener.messageRefused(snapshot, reason, reply));
        }
    }

    public void authenticated(SessionInfo session, String mechanism, boolean succeeded) {
        if (!listeners.isEmpty()) {
            SessionDTO snapshot = session.snapshot();
            notify(listener -> listener.authenticated(snapshot, mechanism, succeeded));
        }
    }

    public void messageReceived(SessionInfo session, MessageDTO message) {
        SessionDTO snapshot = session.snapshot();
        notify(listener -> listener.messageReceived(snapshot, message));
    }

    /** Asks every session of the endpoint to end: at once if it waits for a command outside a message, else after it. */
    public void drain(Object endpoint) {
        for (SessionInfo session : live) {
            if (session.endpoint == endpoint) {
                session.control.drain();
            }
        }
    }

    /** Closes every session of the endpoint now. */
    public void expireAll(Object endpoint) {
        for (SessionInfo session : live) {
            if (session.endpoint == endpoint) {
                session.control.expire();
            }
        }
    }

    /** @return how many live sessions the endpoint has */
    public int count(Object endpoint) {
        int count = 0;
        for (SessionInfo session : live) {
            if (session.endpoint == endpoint) {
                count++;
            }
        }
        return count;
    }

    /** @return copies of the live sessions, oldest first */
    public List<SessionDTO> snapshots() {
        List<SessionDTO> all = new ArrayList<>();
        for (SessionInfo session : live) {
            all.add(session.snapshot());
        }
        all.sort(Comparator.comparingLong((SessionDTO dto) -> dto.startedAt).thenComparing(dto -> dto.id));
        return all;
    }

    private void notify(Consumer<SessionListener> call) {
        for (SessionListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException | LinkageError e) {
                // a listener's bug, or a class its bundle cannot load, must not end the session
                LOG.warn("Session listener {} failed", listener, e);
            }
        }
    }
}
