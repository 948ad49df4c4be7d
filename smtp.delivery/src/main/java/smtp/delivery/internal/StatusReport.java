package smtp.delivery.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import smtp.delivery.api.Envelope;
import smtp.delivery.spi.MessageContent;

/**
 * A delivery status notification (RFC 3464) to the sender of a message: a
 * multipart/report naming each recipient it is about, what happened (failed,
 * delayed, delivered, relayed) and why, with the ENVID and ORCPT the sender
 * gave (RFC 3461), and the original message: its headers, or all of it when
 * the sender asked for RET=FULL on a failure or delay.
 */
final class StatusReport {

    /** What happened to a recipient (RFC 3464 2.3.3). */
    enum Action {
        FAILED("failed", "FAILURE"), DELAYED("delayed", "DELAY"), DELIVERED("delivered", "SUCCESS"),
        RELAYED("relayed", "SUCCESS");

        final String field;
        /** The NOTIFY keyword (RFC 3461 4.1) that asks for this report. */
        final String notify;

        Action(String field, String notify) {
            this.field = field;
            this.notify = notify;
        }
    }

    /** One recipient the report is about, with the detail (a server's reply or the reason). */
    record Entry(String recipient, String detail) {}

    /** The most of the original message a report carries whole (RET=FULL); a larger one is returned as headers. */
    static final long MAX_RETURNED = 10 * 1024 * 1024;

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US)
            .withZone(ZoneId.systemDefault());
    private static final Pattern STATUS = Pattern.compile("\\b([245])\\.(\\d{1,3})\\.(\\d{1,3})\\b");
    private static final int MAX_HEADERS = 64 * 1024;

    private StatusReport() {}

    /**
     * @return whether the sender wants a report of this action for the recipient: failures unless NOTIFY leaves
     *         them out (NEVER, or a list without FAILURE); delays and successes only when NOTIFY asks for them
     */
    static boolean wanted(Envelope envelope, String recipient, Action action) {
        String notify = envelope.dsnNotify.get(recipient);
        if (notify == null) {
            return action == Action.FAILED;
        }
        return Arrays.asList(notify.split(",")).contains(action.notify);
    }

    /** @return the report, as a message to the original's sender */
    static byte[] create(String hostName, String queueId, Envelope original, Action action, List<Entry> entries,
            MessageContent message) throws IOException {
        String boundary = "=_" + queueId + "_" + action.field;
        StringBuilder text = new StringBuilder(2048)
                .append("From: Mail Delivery System <MAILER-DAEMON@").append(hostName).append(">\r\n")
                .append("To: <").append(original.reversePath).append(">\r\n")
                .append("Subject: ").append(subject(action)).append("\r\n")
                .append("Date: ").append(DATE.format(Instant.now())).append("\r\n")
                .append("Message-ID: <").append(queueId).append('.').append(action.field).append('@').append(hostName)
                .append(">\r\n")
                .append("Auto-Submitted: auto-replied\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary)
                .append("\"\r\n\r\n")
                .append("This is a MIME-encapsulated message.\r\n\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n\r\n")
                .append("This is the mail system at ").append(hostName).append(".\r\n\r\n")
                .append(introduction(action)).append("\r\n\r\n");
        for (Entry entry : entries) {
            text.append('<').append(entry.recipient()).append(">: ").append(entry.detail()).append("\r\n");
        }
        text.append("\r\n--").append(boundary).append("\r\n")
                .append("Content-Type: message/delivery-status\r\n\r\n")
                .append("Reporting-MTA: dns; ").append(hostName).append("\r\n");
        if (original.dsnEnvelopeId != null) {
            text.append("Original-Envelope-Id: ").append(original.dsnEnvelopeId).append("\r\n");
        }
        text.append("X-Queue-ID: ").append(queueId).append("\r\n")
                .append("Arrival-Date: ").append(DATE.format(Instant.ofEpochMilli(original.receivedAt))).append("\r\n");
        for (Entry entry : entries) {
            text.append("\r\n");
            String orcpt = original.dsnOriginalRecipient.get(entry.recipient());
            if (orcpt != null) {
                text.append("Original-Recipient: ").append(orcpt).append("\r\n");
            }
            text.append("Final-Recipient: rfc822; ").append(entry.recipient()).append("\r\n")
                    .append("Action: ").append(action.field).append("\r\n")
                    .append("Status: ").append(status(action, entry.detail())).append("\r\n");
            if (action == Action.FAILED || action == Action.DELAYED) {
                text.append("Diagnostic-Code: smtp; ").append(entry.detail()).append("\r\n");
            }
        }
        boolean full = "FULL".equals(original.dsnReturn) && (action == Action.FAILED || action == Action.DELAYED)
                && message.size() <= MAX_RETURNED;
        text.append("\r\n--").append(boundary).append("\r\n")
                .append(full ? "Content-Type: message/rfc822\r\n\r\n" : "Content-Type: text/rfc822-headers\r\n\r\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        bytes.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
        if (full) {
            try (InputStream in = message.open()) {
                in.transferTo(bytes);
            }
            bytes.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        } else {
            bytes.writeBytes(headers(message));
            bytes.writeBytes(("\r\n\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        return bytes.toByteArray();
    }

    private static String subject(Action action) {
        return switch (action) {
            case FAILED -> "Undelivered Mail Returned to Sender";
            case DELAYED -> "Delayed Mail (still being retried)";
            case DELIVERED, RELAYED -> "Successful Mail Delivery Report";
        };
    }

    private static String introduction(Action action) {
        return switch (action) {
            case FAILED -> "Your message could not be delivered to one or more recipients:";
            case DELAYED -> "Your message could not be delivered yet to these recipients; it is tried again until it "
                    + "expires:";
            case DELIVERED -> "Your message was delivered to these recipients, as you asked to be told:";
            case RELAYED -> "Your message was passed on to these recipients' mail servers, which do not report "
                    + "delivery; as you asked to be told:";
        };
    }

    /** The enhanced status code of the report: from the detail when it has one of the right class. */
    static String status(Action action, String detail) {
        char expected = switch (action) {
            case FAILED -> '5';
            case DELAYED -> '4';
            case DELIVERED, RELAYED -> '2';
        };
        Matcher matcher = STATUS.matcher(detail);
        if (matcher.find() && (action != Action.FAILED || !matcher.group(1).equals("2"))) {
            return expected + "." + matcher.group(2) + "." + matcher.group(3);
        }
        return expected + ".0.0";
    }

    /** The header section of the original message (up to the empty line), at most 64 KiB. */
    private static byte[] headers(MessageContent message) throws IOException {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        try (InputStream in = new BufferedInputStream(message.open())) {
            int previous = -1;
            int beforePrevious = -1;
            for (int b; (b = in.read()) >= 0 && headers.size() < MAX_HEADERS; ) {
                if (b == '\n' && previous == '\r' && beforePrevious == '\n') {
                    break; // CRLF CRLF: the headers end
                }
                headers.write(b);
                beforePrevious = previous;
                previous = b;
            }
        }
        byte[] bytes = headers.toByteArray();
        int end = bytes.length;
        while (end > 0 && (bytes[end - 1] == '\r' || bytes[end - 1] == '\n')) {
            end--; // the line ends are added back by the caller
        }
        return Arrays.copyOf(bytes, end);
    }
}
