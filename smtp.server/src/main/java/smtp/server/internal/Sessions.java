package smtp.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

import smtp.server.api.MessageDTO;
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
    }

    private final Map<Session, State> live = new ConcurrentHashMap<>();
    private final List<SessionListener> listeners;

    Sessions(List<SessionListener> listeners) {
        this.listeners = listeners;
    }

    @Override
    public SessionAcceptance accept(Session session) {
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
        SessionDTO snapshot = snapshot(session);
        notify(listener -> listener.connected(snapshot));
        return SessionAcceptance.success();
    }

    @Override
    public void onSessionEnd(Session session) {
        SessionDTO snapshot = snapshot(session);
        live.remove(session);
        if (snapshot != null) {
            notify(listener -> listener.disconnected(snapshot));
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

    void messageReceived(Session session, MessageDTO message) {
        SessionDTO snapshot = snapshot(session);
        if (snapshot != null) {
            notify(listener -> listener.messageReceived(snapshot, message));
        }
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
