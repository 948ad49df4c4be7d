package smtp.delivery.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import smtp.delivery.api.Envelope;

/**
 * The envelope as the queue keeps it ({@code QueueEntryDTO.envelope}): one
 * {@code name: value} line per field and one {@code recipient:} line per
 * recipient the message was accepted for, followed by its DSN {@code notify:}
 * and {@code orcpt:} lines when it has them. Values hold no control characters
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
        line(text, "body", envelope.body);
        flag(text, "smtputf8", envelope.smtputf8);
        flag(text, "require-tls", envelope.requireTls);
        flag(text, "tls-optional", envelope.tlsOptional);
        line(text, "dsn-ret", envelope.dsnReturn);
        line(text, "dsn-envid", envelope.dsnEnvelopeId);
        line(text, "next-hop", envelope.nextHop);
        for (String recipient : envelope.recipients) {
            line(text, "recipient", recipient); // its DSN parameters follow it
            line(text, "notify", envelope.dsnNotify.get(recipient));
            line(text, "orcpt", envelope.dsnOriginalRecipient.get(recipient));
        }
        return text.toString();
    }

    private static void flag(StringBuilder text, String name, boolean value) {
        if (value) {
            line(text, name, "true");
        }
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
                case "body" -> envelope.body = value;
                case "smtputf8" -> envelope.smtputf8 = Boolean.parseBoolean(value);
                case "require-tls" -> envelope.requireTls = Boolean.parseBoolean(value);
                case "tls-optional" -> envelope.tlsOptional = Boolean.parseBoolean(value);
                case "dsn-ret" -> envelope.dsnReturn = value;
                case "dsn-envid" -> envelope.dsnEnvelopeId = value;
                case "next-hop" -> envelope.nextHop = value;
                case "recipient" -> recipients.add(value);
                case "notify" -> envelope.dsnNotify.put(last(recipients, name), value);
                case "orcpt" -> envelope.dsnOriginalRecipient.put(last(recipients, name), value);
                case "delay-notice" -> {
                    // bookkeeping of the delivery worker (delayNoticeSent), not part of the envelope
                }
                default -> throw new IOException("unknown envelope field: " + name);
            }
        }
        if (envelope.queueId == null || recipients.isEmpty()) {
            throw new IOException("envelope without queue id or recipients");
        }
        envelope.recipients = recipients;
        return envelope;
    }

    private static final String DELAY_NOTICE = "delay-notice: sent\n";

    /** @return whether the sender was sent its report of a delay (NOTIFY=DELAY) already */
    static boolean delayNoticeSent(String text) {
        return text.startsWith(DELAY_NOTICE) || text.contains("\n" + DELAY_NOTICE);
    }

    /** @return the envelope text with the note that the delay report went out */
    static String withDelayNoticeSent(String text) {
        return delayNoticeSent(text) ? text : text + (text.endsWith("\n") ? "" : "\n") + DELAY_NOTICE;
    }

    private static String last(List<String> recipients, String field) throws IOException {
        if (recipients.isEmpty()) {
            throw new IOException("envelope field " + field + " before any recipient");
        }
        return recipients.get(recipients.size() - 1);
    }
}
