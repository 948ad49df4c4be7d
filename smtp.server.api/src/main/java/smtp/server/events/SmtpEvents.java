package smtp.server.events;

/**
 * Topics and property names of the OSGi events the suite publishes through
 * EventAdmin (by the smtp.events bundle). Subscribe with an
 * {@code org.osgi.service.event.EventHandler} whose {@code event.topics}
 * property names one of these topics, or {@link #TOPIC_ALL}.
 * <p>
 * Every event carries {@link #TIMESTAMP}. Session events carry the session
 * properties ({@link #SESSION_ID} to {@link #TLS}); message and scan events add
 * their own.
 */
public final class SmtpEvents {

    private SmtpEvents() {}

    /** Prefix of every topic of the suite. */
    public static final String TOPIC_PREFIX = "smtp/";
    /** Matches every topic of the suite (for {@code event.topics}). */
    public static final String TOPIC_ALL = "smtp/*";

    /** A client connected. Session properties. */
    public static final String CLIENT_CONNECT = "smtp/ClientConnect";
    /** A client disconnected. Session properties. */
    public static final String CLIENT_DISCONNECT = "smtp/ClientDisconnect";
    /** A message was accepted and handed to delivery. Session and message properties. */
    public static final String MESSAGE_RECEIVED = "smtp/MessageReceived";
    /** A data-scanning plugin gave a verdict. Session and scan properties. */
    public static final String AV_SCAN_RESULT = "smtp/AVScanResult";
    /**
     * A policy plugin gave its verdict at a stage of a session (or failed, and its failure policy decided). Session
     * and policy properties; {@link #SENDER}, {@link #RECIPIENT} and {@link #QUEUE_ID} where known.
     */
    public static final String POLICY_VERDICT = "smtp/PolicyVerdict";

    /** {@code Long}: when the event happened, milliseconds since the epoch. */
    public static final String TIMESTAMP = "timestamp";

    /** {@code String}: session identifier. */
    public static final String SESSION_ID = "session.id";
    /** {@code String}: client IP address. */
    public static final String CLIENT_ADDRESS = "client.address";
    /** {@code Integer}: client TCP port. */
    public static final String CLIENT_PORT = "client.port";
    /** {@code String}: local IP address the client connected to. */
    public static final String LOCAL_ADDRESS = "local.address";
    /** {@code Integer}: local TCP port the client connected to. */
    public static final String LOCAL_PORT = "local.port";
    /** {@code String}: HELO/EHLO name; absent when the client gave none. */
    public static final String HELO = "helo";
    /** {@code Boolean}: whether the session uses TLS. */
    public static final String TLS = "tls";
    /** {@code String}: authenticated user; absent when none. */
    public static final String USER = "user";
    /** {@code String}: name of the binding the client connected to. */
    public static final String BINDING = "binding";
    /**
     * {@code String}: on an intercepting binding, the address and port the client meant to reach ("203.0.113.25:25");
     * absent on other bindings.
     *
     * @since 1.2
     */
    public static final String ORIGINAL_DESTINATION = "original.destination";
    /** {@code String}: usage of the address the client connected to, {@code internal} or {@code external}. */
    public static final String USAGE = "usage";

    /** {@code String}: reverse path; the empty string for the null sender. */
    public static final String SENDER = "sender";
    /** {@code String[]}: recipients. */
    public static final String RECIPIENTS = "recipients";
    /** {@code Long}: message size in bytes. */
    public static final String SIZE = "size";
    /** {@code String}: queue id of the message. */
    public static final String QUEUE_ID = "queue.id";

    /** {@code String}: name of the scanner. */
    public static final String SCANNER = "scanner";
    /** {@code String}: verdict, one of the {@code ScanResultDTO} verdicts. */
    public static final String VERDICT = "verdict";
    /** {@code String}: threat name or failure reason; absent when clean. */
    public static final String THREAT = "threat";
    /** {@code Long}: scan duration, or the time a policy plugin took, in milliseconds. */
    public static final String DURATION = "duration";

    /** {@code String}: name of the policy plugin. */
    public static final String POLICY = "policy";
    /** {@code String}: the stage, a {@code PolicyStage} name (CONNECT, HELO, AUTH, MAIL, RCPT, END_OF_MESSAGE). */
    public static final String STAGE = "stage";
    /** {@code String}: what the session did, a {@code PolicyVerdict.Action} name (CONTINUE, ACCEPT, REJECT, ...). */
    public static final String ACTION = "action";
    /** {@code String}: the reply the client was given when the verdict refused; absent otherwise. */
    public static final String REPLY = "reply";
    /** {@code String}: why the plugin failed (threw, no answer, timed out); absent when it answered. */
    public static final String FAILURE = "failure";
    /** {@code String[]}: header fields the verdict added; absent when none. */
    public static final String HEADERS = "headers";
    /** {@code String}: at RCPT, the recipient asked about. */
    public static final String RECIPIENT = "recipient";
}
