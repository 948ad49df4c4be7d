package smtp.queue.artemis.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientMessage;

import smtp.delivery.spi.QueueEntryDTO;

/**
 * A queue entry as message properties, readable by the broker's filters and
 * its console: {@code smtp_queue_id}, {@code smtp_sender},
 * {@code smtp_recipients} (one per line), {@code smtp_received_at},
 * {@code smtp_attempts}, {@code smtp_next_attempt}, {@code smtp_last_error},
 * {@code smtp_envelope}. A deferred entry is held by the broker until its next
 * attempt (scheduled delivery).
 */
final class EntryMessages {

    static final String QUEUE_ID = "smtp_queue_id";
    static final String SENDER = "smtp_sender";
    static final String RECIPIENTS = "smtp_recipients";
    static final String RECEIVED_AT = "smtp_received_at";
    static final String ATTEMPTS = "smtp_attempts";
    static final String NEXT_ATTEMPT = "smtp_next_attempt";
    static final String LAST_ERROR = "smtp_last_error";
    static final String ENVELOPE = "smtp_envelope";
    /** Set on a message put back after a worker failed on it. */
    static final String REDELIVERED = "smtp_redelivered";

    private EntryMessages() {}

    static void write(QueueEntryDTO entry, ClientMessage message) {
        message.putStringProperty(QUEUE_ID, entry.queueId);
        message.putStringProperty(SENDER, entry.sender);
        message.putStringProperty(RECIPIENTS, String.join("\n", entry.recipients));
        message.putLongProperty(RECEIVED_AT, entry.receivedAt);
        message.putIntProperty(ATTEMPTS, entry.attempts);
        message.putLongProperty(NEXT_ATTEMPT, entry.nextAttempt);
        if (entry.lastError != null) {
            message.putStringProperty(LAST_ERROR, entry.lastError);
        }
        message.putStringProperty(ENVELOPE, entry.envelope);
        if (entry.redelivered) {
            message.putBooleanProperty(REDELIVERED, true);
        }
        if (entry.nextAttempt > System.currentTimeMillis()) {
            message.putLongProperty(Message.HDR_SCHEDULED_DELIVERY_TIME, entry.nextAttempt);
        }
    }

    /** @return the entry, or null when the message is not one of the suite's */
    static QueueEntryDTO read(ClientMessage message) {
        if (!message.containsProperty(QUEUE_ID)) {
            return null;
        }
        QueueEntryDTO entry = new QueueEntryDTO();
        entry.queueId = message.getStringProperty(QUEUE_ID);
        entry.sender = message.getStringProperty(SENDER);
        entry.recipients = lines(message.getStringProperty(RECIPIENTS));
        entry.receivedAt = message.getLongProperty(RECEIVED_AT);
        entry.attempts = message.getIntProperty(ATTEMPTS);
        entry.nextAttempt = message.getLongProperty(NEXT_ATTEMPT);
        entry.lastError = message.getStringProperty(LAST_ERROR);
        entry.envelope = message.getStringProperty(ENVELOPE);
        entry.redelivered = message.getDeliveryCount() > 1
                || message.containsProperty(REDELIVERED) && message.getBooleanProperty(REDELIVERED);
        return entry;
    }

    /** @return the entry of a message as the broker's management lists it, or null when it is not the suite's */
    static QueueEntryDTO read(Map<?, ?> listed) {
        Object queueId = listed.get(QUEUE_ID);
        if (queueId == null) {
            return null;
        }
        QueueEntryDTO entry = new QueueEntryDTO();
        entry.queueId = queueId.toString();
        entry.sender = text(listed.get(SENDER));
        entry.recipients = lines(text(listed.get(RECIPIENTS)));
        entry.receivedAt = number(listed.get(RECEIVED_AT));
        entry.attempts = (int) number(listed.get(ATTEMPTS));
        entry.nextAttempt = number(listed.get(NEXT_ATTEMPT));
        Object lastError = listed.get(LAST_ERROR);
        entry.lastError = lastError == null ? null : lastError.toString();
        entry.envelope = text(listed.get(ENVELOPE));
        return entry;
    }

    /** A filter (the broker's selector syntax) for one queue id, which is letters and digits only. */
    static String filter(String queueId) {
        return QUEUE_ID + " = '" + queueId + "'";
    }

    private static List<String> lines(String text) {
        return text == null || text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }

    private static String text(Object value) {
        return value == null ? "" : value instanceof SimpleString simple ? simple.toString() : value.toString();
    }

    private static long number(Object value) {
        if (value instanceof Number number) {
            return number.longValue();
        }
        return value == null ? 0 : Long.parseLong(value.toString());
    }
}
