package smtp.server.internal.session;

/**
 * The errors of one session: commands refused as unknown, malformed or out of
 * sequence (blank lines included), and recipients refused as unknown. The
 * first few cost nothing; after them each reply waits, twice as long as the
 * one before, up to a maximum; past its limit the session ends. A client that
 * guesses addresses or commands gets little for its time.
 */
public final class Errors {

    /** Errors answered at once. */
    static final int FREE = 3;

    /**
     * @param maxBadCommands bad commands a session may send; the next ends it
     * @param maxUnknownRecipients unknown recipients a session may try; the next ends it
     * @param delayMillis the wait before the reply to the first error after the free ones
     * @param maxDelayMillis the longest wait
     */
    public record Policy(int maxBadCommands, int maxUnknownRecipients, long delayMillis, long maxDelayMillis) {}

    private final Policy policy;
    private int badCommands;
    private int unknownRecipients;

    public Errors(Policy policy) {
        this.policy = policy;
    }

    /** @return the wait before the reply to this bad command, or -1 when it is one too many */
    public long badCommand() {
        return ++badCommands > policy.maxBadCommands() ? -1 : delay();
    }

    /** @return the wait before the reply to this unknown recipient, or -1 when it is one too many */
    public long unknownRecipient() {
        return ++unknownRecipients > policy.maxUnknownRecipients() ? -1 : delay();
    }

    public int badCommands() {
        return badCommands;
    }

    public int unknownRecipients() {
        return unknownRecipients;
    }

    private long delay() {
        int errors = badCommands + unknownRecipients;
        if (errors <= FREE || policy.delayMillis() == 0) {
            return 0;
        }
        int doublings = Math.min(errors - FREE - 1, 30);
        return Math.min(policy.maxDelayMillis(), policy.delayMillis() << doublings);
    }
}
