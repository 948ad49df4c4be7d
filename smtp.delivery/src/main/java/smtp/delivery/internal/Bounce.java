package smtp.delivery.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import smtp.delivery.api.Envelope;
import smtp.delivery.spi.MessageContent;

/**
 * A delivery status notification (RFC 3464): a multipart/report to the sender
 * of a message, naming each recipient that failed and why, with the headers
 * of the original message.
 */
final class Bounce {

    /** One recipient that failed, with the reason. */
    record Failure(String recipient, String detail) {}

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US)
            .withZone(ZoneId.systemDefault());
    private static final Pattern STATUS = Pattern.compile("\\b([45])\\.(\\d{1,3})\\.(\\d{1,3})\\b");
    private static final int MAX_HEADERS = 64 * 1024;

    private Bounce() {}

    static byte[] create(String hostName, String queueId, Envelope original, List<Failure> failures, MessageContent message)
            throws IOException {
        String boundary = "=_" + queueId + "_bounce";
        StringBuilder text = new StringBuilder(2048)
                .append("From: Mail Delivery System <MAILER-DAEMON@").append(hostName).append(">\r\n")
                .append("To: <").append(original.reversePath).append(">\r\n")
                .append("Subject: Undelivered Mail Returned to Sender\r\n")
                .append("Date: ").append(DATE.format(Instant.now())).append("\r\n")
                .append("Message-ID: <").append(queueId).append(".bounce@").append(hostName).append(">\r\n")
                .append("Auto-Submitted: auto-replied\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary)
                .append("\"\r\n\r\n")
                .append("This is a MIME-encapsulated message.\r\n\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n\r\n")
                .append("This is the mail system at ").append(hostName).append(".\r\n\r\n")
                .append("Your message could not be delivered to one or more recipients:\r\n\r\n");
        for (Failure failure : failures) {
            text.append("<").append(failure.recipient()).append(">: ").append(failure.detail()).append("\r\n");
        }
        text.append("\r\n--").append(boundary).append("\r\n")
                .append("Content-Type: message/delivery-status\r\n\r\n")
                .append("Reporting-MTA: dns; ").append(hostName).append("\r\n")
                .append("X-Queue-ID: ").append(queueId).append("\r\n")
                .append("Arrival-Date: ").append(DATE.format(Instant.ofEpochMilli(original.receivedAt))).append("\r\n");
        for (Failure failure : failures) {
            text.append("\r\nFinal-Recipient: rfc822; ").append(failure.recipient()).append("\r\n")
                    .append("Action: failed\r\n")
                    .append("Status: ").append(status(failure.detail())).append("\r\n")
                    .append("Diagnostic-Code: smtp; ").append(failure.detail()).append("\r\n");
        }
        text.append("\r\n--").append(boundary).append("\r\n")
                .append("Content-Type: text/rfc822-headers\r\n\r\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        bytes.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(headers(message));
        bytes.writeBytes(("\r\n\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return bytes.toByteArray();
    }

    /** The enhanced status code in the detail, or a generic permanent one. */
    static String status(String detail) {
        Matcher matcher = STATUS.matcher(detail);
        return matcher.find() ? "5." + matcher.group(2) + "." + matcher.group(3) : "5.0.0";
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
        return java.util.Arrays.copyOf(bytes, end);
    }
}
