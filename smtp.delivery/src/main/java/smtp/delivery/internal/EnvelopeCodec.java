package smtp.delivery.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import smtp.delivery.api.Envelope;

/**
 * The envelope as it is kept in the spool: one {@code name: value} line per
 * field, one {@code recipient:} line per recipient still to be delivered, and
 * the queue state (attempts so far, when the next is due, the last error).
 */
final class EnvelopeFile {

    /** Where a queued message stands. */
    record State(int attempts, long nextAttempt, String lastError) {
        static final State NEW = new State(0, 0, null);
    }

    /** An envelope with its state. */
    record Spooled(Envelope envelope, State state) {}

    private EnvelopeFile() {}

    static byte[] encode(Envelope envelope, State state) {
        StringBuilder text = new StringBuilder(256);
        line(text, "queue-id", envelope.queueId);
        line(text, "received-at", Long.toString(envelope.receivedAt));
        line(text, "reverse-path", envelope.reversePath);
        line(text, "client-address", envelope.clientAddress);
        line(text, "helo", envelope.heloName);
        line(text, "user", envelope.authenticatedUser);
        line(text, "tls", Boolean.toString(envelope.tls));
        for (String recipient : envelope.recipients) {
            line(text, "recipient", recipient);
        }
        if (state.attempts() > 0) {
            line(text, "attempts", Integer.toString(state.attempts()));
            line(text, "next-attempt", Long.toString(state.nextAttempt()));
            line(text, "last-error", state.lastError() == null ? null : state.lastError().replaceAll("\\p{Cntrl}", " "));
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder text, String name, String value) {
        if (value != null) {
            text.append(name).append(": ").append(value).append('\n');
        }
    }

    static Spooled decodeWithState(byte[] bytes) throws IOException {
        Envelope envelope = new Envelope();
        int attempts = 0;
        long nextAttempt = 0;
        String lastError = null;
        List<String> recipients = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int colon = line.indexOf(": ");
            if (colon < 0) {
                if (line.endsWith(":")) { // a field with an empty value, such as the null reverse path
                    colon = line.length() - 1;
                } else {
                    throw new IOException("not an envelope line: " + line);
                }
            }
            String name = line.substring(0, colon);
            String value = colon + 2 <= line.length() ? line.substring(colon + 2) : "";
            switch (name) {
                case "queue-id" -> envelope.queueId = value;
                case "received-at" -> envelope.receivedAt = Long.parseLong(value);
                case "reverse-path" -> envelope.reversePath = value;
                case "client-address" -> envelope.clientAddress = value;
                case "helo" -> envelope.heloName = value;
                case "user" -> envelope.authenticatedUser = value;
                case "tls" -> envelope.tls = Boolean.parseBoolean(value);
                case "recipient" -> recipients.add(value);
                case "attempts" -> attempts = Integer.parseInt(value);
                case "next-attempt" -> nextAttempt = Long.parseLong(value);
                case "last-error" -> lastError = value;
                default -> throw new IOException("unknown envelope field: " + name);
            }
        }
        if (envelope.queueId == null || recipients.isEmpty()) {
            throw new IOException("envelope without queue id or recipients");
        }
        envelope.recipients = recipients;
        return new Spooled(envelope, new State(attempts, nextAttempt, lastError));
    }
}
