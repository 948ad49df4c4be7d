package smtp.server.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The answer of a {@link PolicyPlugin}: what the session does next, with the
 * reply the client sees when the answer refuses. Verdicts are immutable; make
 * them with the static methods.
 * <p>
 * Headers (see {@link #withHeader}) and, at the end of the message, changes
 * (see {@link #withChange}) may come with any verdict that does not refuse. Headers given at connect, HELO or AUTH go on every message of the
 * session; those given at MAIL, RCPT or the end of the message on that message
 * only.
 */
public final class PolicyVerdict {

    /** What the session does. */
    public enum Action {
        /** Nothing to say: the next plugin is asked. */
        CONTINUE,
        /** Accepted here: no further plugin is asked at this stage (the server's own checks still apply). */
        ACCEPT,
        /** Refused with a 5xx reply: the connection, the HELO, AUTH, the transaction, a recipient or the message. */
        REJECT,
        /** Refused for now with a 4xx reply: the client should try again later. */
        DEFER,
        /** The server says 421 and closes the connection. */
        DISCONNECT,
        /** The message is accepted (250) but kept in the quarantine folder instead of being delivered. */
        QUARANTINE,
        /** The message is accepted (250) and dropped: not delivered, not kept. Before the end of the message: that of the transaction. */
        DISCARD
    }

    private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    private static final PolicyVerdict CONTINUE = new PolicyVerdict(Action.CONTINUE, 0, null, null, List.of());
    private static final PolicyVerdict ACCEPT = new PolicyVerdict(Action.ACCEPT, 0, null, null, List.of());

    private final Action action;
    private final int code;
    private final String enhancedCode;
    private final String text;
    private final List<String> headers;
    private final List<MessageChange> changes;

    private PolicyVerdict(Action action, int code, String enhancedCode, String text, List<String> headers) {
        this(action, code, enhancedCode, text, headers, List.of());
    }

    private PolicyVerdict(Action action, int code, String enhancedCode, String text, List<String> headers,
            List<MessageChange> changes) {
        this.action = action;
        this.code = code;
        this.enhancedCode = enhancedCode;
        this.text = text;
        this.headers = headers;
        this.changes = changes;
    }

    /** @return nothing to say: the next plugin is asked */
    public static PolicyVerdict proceed() {
        return CONTINUE;
    }

    /** @return accepted at this stage: the plugins after this one are not asked at it */
    public static PolicyVerdict accept() {
        return ACCEPT;
    }

    /** @return a refusal {@code 550 5.7.1 text} */
    public static PolicyVerdict reject(String text) {
        return reject(550, "5.7.1", text);
    }

    /**
     * @param code a 5xx reply code (550, 554, ...)
     * @param enhancedCode an RFC 3463 code of class 5, for example {@code 5.7.1}
     * @param text the reply text, one line
     * @throws IllegalArgumentException if a code does not fit a permanent refusal
     */
    public static PolicyVerdict reject(int code, String enhancedCode, String text) {
        return refusal(Action.REJECT, code, enhancedCode, text, '5');
    }

    /** @return a temporary refusal {@code 451 4.7.1 text} */
    public static PolicyVerdict defer(String text) {
        return defer(451, "4.7.1", text);
    }

    /**
     * @param code a 4xx reply code (450, 451, 452)
     * @param enhancedCode an RFC 3463 code of class 4, for example {@code 4.7.1}
     * @param text the reply text, one line
     * @throws IllegalArgumentException if a code does not fit a temporary refusal
     */
    public static PolicyVerdict defer(int code, String enhancedCode, String text) {
        return refusal(Action.DEFER, code, enhancedCode, text, '4');
    }

    /** @return {@code 421 4.7.0 text}, and the connection closed */
    public static PolicyVerdict disconnect(String text) {
        return new PolicyVerdict(Action.DISCONNECT, 421, "4.7.0", oneLine(text), List.of());
    }

    /**
     * @param reason why, kept in the quarantine note and the log
     * @return the message accepted but kept in quarantine; before the end of the message, the message of this
     *         transaction (at CONNECT, HELO or AUTH: every message of the session)
     */
    public static PolicyVerdict quarantine(String reason) {
        return new PolicyVerdict(Action.QUARANTINE, 0, null, oneLine(reason), List.of());
    }

    /**
     * @param reason why, for the log
     * @return the message accepted (250) and dropped; before the end of the message, the message of this transaction
     */
    public static PolicyVerdict discard(String reason) {
        return new PolicyVerdict(Action.DISCARD, 0, null, oneLine(reason), List.of());
    }

    /**
     * @param change a change to the message, applied in order with the other changes of the end of the message
     * @return this verdict with the change added
     * @throws IllegalArgumentException if this verdict refuses
     */
    public PolicyVerdict withChange(MessageChange change) {
        if (action == Action.REJECT || action == Action.DEFER || action == Action.DISCONNECT) {
            throw new IllegalArgumentException("a refusal carries no changes");
        }
        List<MessageChange> more = new ArrayList<>(changes);
        more.add(java.util.Objects.requireNonNull(change, "change"));
        return new PolicyVerdict(action, code, enhancedCode, text, headers, Collections.unmodifiableList(more));
    }

    /**
     * @param name a header field name (printable ASCII without a colon)
     * @param value the field's value, one line
     * @return this verdict with the header field added to the message
     * @throws IllegalArgumentException if the name or value cannot make a header field
     */
    public PolicyVerdict withHeader(String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
            throw new IllegalArgumentException("not a header field name: " + name);
        }
        if (action == Action.REJECT || action == Action.DEFER || action == Action.DISCONNECT) {
            throw new IllegalArgumentException("a refusal carries no header fields");
        }
        List<String> more = new ArrayList<>(headers);
        more.add(name + ": " + oneLine(value));
        return new PolicyVerdict(action, code, enhancedCode, text, Collections.unmodifiableList(more), changes);
    }

    public Action action() {
        return action;
    }

    /** @return the reply code of a refusal (REJECT, DEFER, DISCONNECT), else 0 */
    public int code() {
        return code;
    }

    /** @return the enhanced status code of a refusal, else {@code null} */
    public String enhancedCode() {
        return enhancedCode;
    }

    /** @return the reply text of a refusal, the reason of a quarantine or discard, else {@code null} */
    public String text() {
        return text;
    }

    /** @return the header fields to add ({@code Name: value}), in order */
    public List<String> headers() {
        return headers;
    }

    /** @return the changes to the message, in order */
    public List<MessageChange> changes() {
        return changes;
    }

    /** @return the reply line of a refusal ({@code 550 5.7.1 text}), else {@code null} */
    public String reply() {
        return code == 0 ? null : code + " " + enhancedCode + " " + text;
    }

    @Override
    public String toString() {
        return code == 0 ? action + (text == null ? "" : " (" + text + ")") + (headers.isEmpty() ? "" : " " + headers)
                : action + " " + reply();
    }

    private static PolicyVerdict refusal(Action action, int code, String enhancedCode, String text, char kind) {
        if (code / 100 != kind - '0' || code % 100 > 59) {
            throw new IllegalArgumentException(action + " needs a " + kind + "xx reply code, not " + code);
        }
        if (enhancedCode == null || !ENHANCED.matcher(enhancedCode).matches() || enhancedCode.charAt(0) != kind) {
            throw new IllegalArgumentException(action + " needs an enhanced code " + kind + ".x.y, not " + enhancedCode);
        }
        return new PolicyVerdict(action, code, enhancedCode, oneLine(text), List.of());
    }

    /** @return the text on one line of printable characters, at most 400 of them */
    private static String oneLine(String text) {
        if (text == null || text.isBlank()) {
            return "Policy";
        }
        StringBuilder line = new StringBuilder(Math.min(text.length(), 400));
        for (int i = 0; i < text.length() && line.length() < 400; i++) {
            char c = text.charAt(i);
            line.append(c < 32 || c == 127 ? ' ' : c);
        }
        return line.toString().strip();
    }
}
