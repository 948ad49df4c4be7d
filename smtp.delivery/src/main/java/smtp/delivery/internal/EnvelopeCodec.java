package smtp.delivery.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import smtp.delivery.api.Envelope;

/**
 * The envelope as the queue keeps it ({@code QueueEntryDTO.envelope}): one
 * {@code name: value} line per field and one {@code recipient:} line per
 * recipient the message was accepted for. Values hold no control characters
 * ({@code DeliveryService} refuses envelopes that do).
 */
final class EnvelopeCodec {

    private EnvelopeCodec() {}

    static String encode(Envelope envelope) {
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
        return text.toString();
    }

    private static void line(StringBuilder text, String name, String value) {
        if (value != null) {
            text.append(name).append(": ").append(value).append('\n');
        }
    }

    static Envelope decode(String text) throws IOException {
        Envelope envelope = new Envelope();
        List<String> recipients = new ArrayList<>();
        for (String line : text.split("\n")) {
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
                default -> throw new IOException("unknown envelope field: " + name);
            }
        }
        if (envelope.queueId == null || recipients.isEmpty()) {
            throw new IOException("envelope without queue id or recipients");
        }
        envelope.recipients = recipients;
        return envelope;
    }
}
