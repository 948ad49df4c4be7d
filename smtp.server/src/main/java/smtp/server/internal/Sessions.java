package smtp.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

import smtp.server.api.MessageDTO;
import smtp.server.api.ScanResultDTO;
import smtp.server.api.SessionDTO;
import smtp.server.api.SessionListener;

/**
 * The live sessions of the listener and the whiteboard of
 * {@link SessionListener}s they are reported to.
 */
final class Sessions implements SessionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

    /** What the listener knows of one session beyond what SubEthaSMTP keeps. */
    static final class State {
        final SessionDTO dto = new SessionDTO();
        volatile boolean extended;
        /** Held while a command of this session runs, so that a drain can tell an idle session. */
        final ReentrantLock commandLock = new ReentrantLock();
        /** Messages accepted in this session; touched by its own thread only. */
        int messages;
        Future<?> deadline;
    }

    /** Connection limits and the session deadline. */
    record Limits(int maxConnections, int maxConnectionsPerClient, int sessionDeadlineSeconds) {}

    private final Map<Session, State> live = new ConcurrentHashMap<>();
    private final Map<String, Integer> perClient = new ConcurrentHashMap<>();
    private final List<SessionListener> listeners;
    private final Limits limits;
    private final BadCommands badCommands;
    private final ScheduledExecutorService deadlines;
    /** Servers whose sessions are being drained: no new transaction starts on them. */
    private final Set<SMTPServer> draining = ConcurrentHashMap.newKeySet();
    final Counters counters;

    Sessions(List<SessionListener> listeners, Limits limits, BadCommands badCommands, ScheduledExecutorService deadlines,
            Counters counters) {
        this.counters = counters;
        this.listeners = listeners;
        this.limits = limits;
        this.badCommands = badCommands;
        this.deadlines = deadlines;
    }

    @Override
    public SessionAcceptance accept(Session session) {
        String address = session.getRemoteAddress().getAddress().getHostAddress();
        synchronized (perClient) {
            if (live.size() >= limits.maxConnections()) {
                counters.connectionsRefused.increment();
                LOG.info("Connection from {} refused: {} connections, the maximum", address, live.size());
                return SessionAcceptance.failure(421, "4.7.0 Too many connections, try again later");
            }
            int fromClient = perClient.getOrDefault(address, 0);
            if (fromClient >= limits.maxConnectionsPerClient()) {
                counters.connectionsRefused.increment();
                LOG.info("Connection from {} refused: it has {} already, the maximum per client", address, fromClient);
                return SessionAcceptance.failure(421, "4.7.0 Too many connections from your address, try again later");
            }
            perClient.merge(address, 1, Integer::sum);
        }
        SessionAcceptance accepted = start(session);
        if (!accepted.accepted()) {
            release(address);
        }
        return accepted;
    }

    private void release(String address) {
        synchronized (perClient) {
            perClient.computeIfPresent(address, (key, count) -> count > 1 ? count - 1 : null);
        }
    }

    private SessionAcceptance start(Session session) {
        if (session.getSocket() instanceof SSLSocket tls) { // implicit TLS: shake hands before the greeting
            try {
                tls.startHandshake();
            } catch (IOException e) {
                LOG.info("TLS handshake with {} failed: {}; connection closed", session.getRemoteAddress(), e.getMessage());
                session.quit(); // closes the connection, and SubEthaSMTP says nothing more on it
                return SessionAcceptance.failure(421, "4.7.0 TLS handshake failed");
            }
        }
        State state = new State();
        InetSocketAddress client = session.getRemoteAddress();
        state.dto.id = session.getSessionId();
        state.dto.clientAddress = client.getAddress().getHostAddress();
        state.dto.clientPort = client.getPort();
        state.dto.localAddress = session.getSocket().getLocalAddress().getHostAddress();
        state.dto.localPort = session.getSocket().getLocalPort();
        state.dto.tls = session.isTLSStarted();
        state.dto.startedAt = System.currentTimeMillis();
        live.put(session, state);
        counters.connections.increment();
        state.deadline = deadlines.schedule(() -> expire(session), limits.sessionDeadlineSeconds(), TimeUnit.SECONDS);
        SessionDTO snapshot = snapshot(session);
        notify(listener -> listener.connected(snapshot));
        return SessionAcceptance.success();
    }

    @Override
    public void onSessionEnd(Session session) {
        SessionDTO snapshot = snapshot(session);
        State state = live.remove(session);
        badCommands.forget(session);
        if (state != null) {
            state.deadline.cancel(false);
            release(state.dto.clientAddress);
        }
        if (snapshot != null) {
            notify(listener -> listener.disconnected(snapshot));
        }
    }

    /** The session deadline passed: close the connection, whatever the client is doing. */
    private void expire(Session session) {
        State state = live.get(session);
        if (state != null) {
            LOG.info("Session {} from {} reached the session deadline of {} s; connection closed", state.dto.id,
                    state.dto.clientAddress, limits.sessionDeadlineSeconds());
            session.quit();
        }
    }

    State state(Session session) {
        return live.get(session);
    }

    void authenticated(Session session, String user) {
        State state = live.get(session);
        if (state != null) {
            state.dto.authenticatedUser = user;
        }
    }

    void messageScanned(Session session, ScanResultDTO result) {
        counters.scanned(result);
        SessionDTO snapshot = snapshot(session);
        if (snapshot != null) {
            notify(listener -> listener.messageScanned(snapshot, result));
        }
    }

    void messageReceived(Session session, MessageDTO message) {
        SessionDTO snapshot = snapshot(session);
        if (snapshot != null) {
            notify(listener -> listener.messageReceived(snapshot, message));
        }
    }

    /**
     * Drains the sessions of a server: a session waiting for a command with no mail transaction under way
     * is told 421 and closed now; the others get 421 at their next command outside a mail transaction.
     * The server must have stopped accepting connections already.
     */
    void drain(SMTPServer server) {
        draining.add(server);
        for (Map.Entry<Session, State> entry : live.entrySet()) {
            Session session = entry.getKey();
            ReentrantLock lock = entry.getValue().commandLock;
            if (session.getServer() != server || !lock.tryLock()) {
                continue; // another server's, or busy with a command: it finishes first
            }
            try {
                if (!session.isMailTransactionInProgress()) {
                    // waiting for its next command, with no message under way: it may go now
                    session.sendResponse("421 4.3.2 Service shutting down, try again later");
                    session.quit();
                }
            } catch (IOException e) {
                session.quit();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Forgets a drained server once it is stopped. */
    void drained(SMTPServer server) {
        draining.remove(server);
    }

    /** @return whether the session belongs to a server that is draining */
    boolean draining(Session session) {
        return !draining.isEmpty() && draining.contains(session.getServer());
    }

    /** @return how many live sessions the server has */
    int count(SMTPServer server) {
        int count = 0;
        for (Session session : live.keySet()) {
            if (session.getServer() == server) {
                count++;
            }
        }
        return count;
    }

    /** @return copies of the live sessions, oldest first */
    List<SessionDTO> snapshots() {
        List<SessionDTO> all = new ArrayList<>();
        for (Session session : live.keySet()) {
            SessionDTO snapshot = snapshot(session);
            if (snapshot != null) {
                all.add(snapshot);
            }
        }
        all.sort(Comparator.comparingLong((SessionDTO dto) -> dto.startedAt).thenComparing(dto -> dto.id));
        return all;
    }

    /** @return a copy of the session as it is now, or null if it is not live */
    SessionDTO snapshot(Session session) {
        State state = live.get(session);
        if (state == null) {
            return null;
        }
        SessionDTO copy = new SessionDTO();
        copy.id = state.dto.id;
        copy.clientAddress = state.dto.clientAddress;
        copy.clientPort = state.dto.clientPort;
        copy.localAddress = state.dto.localAddress;
        copy.localPort = state.dto.localPort;
        copy.startedAt = state.dto.startedAt;
        copy.heloName = session.getHelo().orElse(null);
        copy.tls = session.isTLSStarted();
        copy.authenticatedUser = state.dto.authenticatedUser;
        return copy;
    }

    private void notify(Consumer<SessionListener> call) {
        for (SessionListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("Session listener {} failed", listener, e);
            }
        }
    }
}
