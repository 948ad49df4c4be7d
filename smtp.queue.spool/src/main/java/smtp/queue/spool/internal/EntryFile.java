package smtp.queue.spool.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import smtp.delivery.spi.QueueEntryDTO;

/**
 * A queue entry as the spool keeps it in {@code <id>.env}: one
 * {@code name: value} line per field, one {@code recipient:} line per
 * recipient still to be delivered, an empty line, then the delivery service's
 * envelope text as it is.
 */
final class EntryFile {

    private EntryFile() {}

    static byte[] encode(QueueEntryDTO entry) {
        StringBuilder text = new StringBuilder(512);
        line(text, "queue-id", entry.queueId);
        line(text, "sender", entry.sender);
        line(text, "received-at", Long.toString(entry.receivedAt));
        for (String recipient : entry.recipients) {
            line(text, "recipient", recipient);
        }
        if (entry.attempts > 0 || entry.nextAttempt > 0) {
            line(text, "attempts", Integer.toString(entry.attempts));
            line(text, "next-attempt", Long.toString(entry.nextAttempt));
            line(text, "last-error", entry.lastError == null ? null : entry.lastError.replaceAll("\\p{Cntrl}", " "));
        }
        text.append('\n').append(entry.envelope == null ? "" : entry.envelope);
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder text, String name, String value) {
        if (value != null) {
            text.append(name).append(": ").append(value).append('\n');
        }
    }

    static QueueEntryDTO decode(byte[] bytes) throws IOException {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.indexOf("\n\n");
        if (end < 0) {
            throw new IOException("queue entry without its envelope");
        }
        QueueEntryDTO entry = new QueueEntryDTO();
        List<String> recipients = new ArrayList<>();
        for (String line : text.substring(0, end).split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IOException("not a queue entry line: " + line);
            }
            String name = line.substring(0, colon);
            String value = line.length() > colon + 1 ? line.substring(colon + 2) : "";
            switch (name) {
                case "queue-id" -> entry.queueId = value;
                case "sender" -> entry.sender = value;
                case "received-at" -> entry.receivedAt = Long.parseLong(value);
                case "recipient" -> recipients.add(value);
                case "attempts" -> entry.attempts = Integer.parseInt(value);
                case "next-attempt" -> entry.nextAttempt = Long.parseLong(value);
                case "last-error" -> entry.lastError = value;
                default -> throw new IOException("unknown queue entry field: " + name);
            }
        }
        if (entry.queueId == null || recipients.isEmpty()) {
            throw new IOException("queue entry without queue id or recipients");
        }
        entry.recipients = recipients;
        entry.envelope = text.substring(end + 2);
        return entry;
    }
}
