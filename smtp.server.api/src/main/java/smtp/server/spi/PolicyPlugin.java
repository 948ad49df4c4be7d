package smtp.server.spi;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A policy plugin: asked at the stages of each SMTP session it registered for
 * (connect, HELO/EHLO, after AUTH, MAIL, each RCPT, the end of the message),
 * it answers with a {@link PolicyVerdict}. Plugins are a whiteboard: each
 * registers a {@code PolicyPlugin} service with the {@link Policy} properties
 * (name, stages, time limit, what a failure means, bindings) and, as usual, a
 * {@code service.ranking}: plugins are asked in ranking order, highest first,
 * until one answers other than {@link PolicyVerdict.Action#CONTINUE}. A plugin
 * that comes or goes is seen by the next stage of every session.
 * <p>
 * The listener calls {@link #check} on a thread of its own, not the session's,
 * and waits for the answer for the plugin's time limit at most. A plugin that
 * waits for something (DNS, a database, another server) returns a stage that
 * it completes later, from whatever thread the answer arrives on, instead of
 * blocking. A call that throws, returns {@code null}, completes exceptionally
 * or not within the limit is a failure; the plugin's
 * {@link Policy#onFailure() failure policy} decides what the client is told.
 * <p>
 * Calls come concurrently, from many sessions.
 */
@ConsumerType
public interface PolicyPlugin {

    /**
     * Asks the plugin about one stage of a session.
     *
     * @param facts what is known of the session at this stage; the plugin's own copy
     * @return the verdict, now or later
     */
    CompletionStage<PolicyVerdict> check(PolicyFacts facts);

    /**
     * The session ended (the client quit, was refused or disconnected, or timed out): state the plugin keeps per
     * session can go. Called for every session the plugin was asked about, on the session's thread; it must
     * return quickly, and what it throws is logged and ignored.
     *
     * @param sessionId the {@link PolicyFacts#sessionId} of the session
     */
    default void sessionEnded(String sessionId) {}
}
