package smtp.server.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told about SMTP sessions and the messages they carry.
 * <p>
 * Calls arrive on the session's own thread, in order: {@link #connected}, then
 * {@link #policyDecided} for each verdict of a policy plugin, {@link #authenticated} for each AUTH checked, for each
 * message {@link #messageScanned} (once per scanner) and {@link #messageReceived} or {@link #messageRefused}, then
 * {@link #disconnected}. An implementation must
 * return quickly and must not block; what it throws is logged and ignored.
 * The DTOs passed in are copies that the implementation may keep.
 */
@ConsumerType
public interface SessionListener {

    /** Refusal reason: the message is larger than the listener's maximum size (552 5.3.4). */
    String REFUSED_SIZE = "size";
    /** Refusal reason: the message has more Received headers than allowed, a mail loop (554 5.4.6). */
    String REFUSED_LOOP = "loop";
    /** Refusal reason: the message has bare CR or LF line endings (550 5.6.0). */
    String REFUSED_LINE_ENDINGS = "line-endings";
    /** Refusal reason: a policy plugin or a scanner refused the message at its end. */
    String REFUSED_POLICY = "policy";
    /** Refusal reason: delivery refused the message or is unavailable (451 4.3.0 or 554 5.3.0). */
    String REFUSED_DELIVERY = "delivery";
    /** Refusal reason: the message could not be taken for a reason of the server's (451 4.3.0). */
    String REFUSED_ERROR = "error";

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
     * A message was refused at its end (after DATA or the last BDAT chunk).
     *
     * @param session the session the message came in on
     * @param reason why, one of the {@code REFUSED_} constants
     * @param reply the reply the client was given
     * @since 1.2
     */
    default void messageRefused(SessionDTO session, String reason, String reply) {}

    /**
     * An AUTH command's credentials were checked.
     *
     * @param session the session, with its {@code authenticatedUser} set when the credentials were accepted
     * @param mechanism the SASL mechanism (PLAIN, LOGIN)
     * @param succeeded whether the client is now authenticated (false when the credentials were wrong, the check was
     *        refused as too busy, or a policy plugin refused the user)
     * @since 1.2
     */
    default void authenticated(SessionDTO session, String mechanism, boolean succeeded) {}

    /**
     * The session ended: the client quit, timed out or was disconnected.
     *
     * @param session the session as it was at its end
     */
    default void disconnected(SessionDTO session) {}
}
