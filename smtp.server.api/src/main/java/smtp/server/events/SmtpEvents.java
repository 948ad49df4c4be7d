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
    /** {@code Long}: scan duration in milliseconds. */
    public static final String DURATION = "duration";
}
