package smtp.server.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told about SMTP sessions and the messages they carry.
 * <p>
 * Calls arrive on the session's own thread, in order: {@link #connected}, then
 * {@link #policyDecided} for each verdict of a policy plugin, for each message {@link #messageScanned} (once per scanner) and
 * {@link #messageReceived}, then {@link #disconnected}. An implementation must
 * return quickly and must not block; what it throws is logged and ignored.
 * The DTOs passed in are copies that the implementation may keep.
 */
@ConsumerType
public interface SessionListener {

    /**
     * A client connected and is about to receive the greeting.
     *
     * @param session the new session; its {@code heloName} is still {@code null}
     */
    default void connected(SessionDTO session) {}

    /**
     * A message was accepted: the delivery service holds it and the client has
     * been (or is being) told 250.
     *
     * @param session the session the message came in on
     * @param message the accepted message
     */
    default void messageReceived(SessionDTO session, MessageDTO message) {}

    /**
     * A data-scanning plugin gave its verdict on a message.
     *
     * @param session the session the message came in on
     * @param result the verdict
     */
    default void messageScanned(SessionDTO session, ScanResultDTO result) {}

    /**
     * A policy plugin gave its verdict at a stage of the session (or failed, and its failure policy decided).
     *
     * @param session the session, as it is at that stage
     * @param result the verdict
     */
    default void policyDecided(SessionDTO session, PolicyResultDTO result) {}

    /**
     * The session ended: the client quit, timed out or was disconnected.
     *
     * @param session the session as it was at its end
     */
    default void disconnected(SessionDTO session) {}
}
