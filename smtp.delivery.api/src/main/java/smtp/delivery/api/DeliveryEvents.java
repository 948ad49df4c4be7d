package smtp.delivery.api;

/**
 * Topics and property names of the events the delivery service posts to
 * EventAdmin (when EventAdmin is present), one per recipient and outcome.
 */
public final class DeliveryEvents {

    private DeliveryEvents() {}

    /** Matches every delivery topic (for {@code event.topics}). */
    public static final String TOPIC_ALL = "smtp/delivery/*";
    /** A recipient got the message: in its local mailbox, or accepted by the next server. */
    public static final String DELIVERED = "smtp/delivery/Delivered";
    /** An attempt did not deliver; another follows ({@link #NEXT_ATTEMPT}). */
    public static final String DEFERRED = "smtp/delivery/Deferred";
    /** A recipient failed for good; the sender was sent a bounce (unless it is the null sender). */
    public static final String BOUNCED = "smtp/delivery/Bounced";

    /** {@code Long}: when the event happened, ms since the epoch. */
    public static final String TIMESTAMP = "timestamp";
    /** {@code String}: queue id of the message. */
    public static final String QUEUE_ID = "queue.id";
    /** {@code String}: the recipient. */
    public static final String RECIPIENT = "recipient";
    /** {@code String}: the sender (reverse path); the empty string for the null sender. */
    public static final String SENDER = "sender";
    /** {@code String}: {@code local} (a Maildir) or {@code smtp} (another server). */
    public static final String TRANSPORT = "transport";
    /** {@code String}: what happened: the other server's reply, or why it failed. */
    public static final String DETAIL = "detail";
    /** {@code Integer}: delivery attempts so far. */
    public static final String ATTEMPTS = "attempts";
    /** {@code Long}: when the listener accepted the message, ms since the epoch (since 1.3). */
    public static final String RECEIVED_AT = "received.at";
    /** {@code Long}: when the next attempt is due (Deferred only), ms since the epoch. */
    public static final String NEXT_ATTEMPT = "next.attempt";
}
