package smtp.server.internal.message;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import smtp.delivery.api.Envelope;
import smtp.server.spi.HeaderFields;
import smtp.server.spi.MessageChange;

/**
 * Applies the changes end-of-message plugins (milters above all) gave: to the
 * envelope (sender, recipients) and to the message kept in a file (header
 * fields, body). The header section is read into memory, field by field; the
 * body is streamed from the file, or from the replacement's.
 */
final class MessageEdits {

    private MessageEdits() {}

    /** Changes the envelope: the sender, and the recipients added and removed. */
    static void applyToEnvelope(List<MessageChange> changes, Envelope envelope) {
        for (MessageChange change : changes) {
            switch (change.kind()) {
                case CHANGE_SENDER -> envelope.reversePath = change.value();
                case ADD_RECIPIENT -> {
                    if (envelope.recipients.stream().noneMatch(r -> r.equalsIgnoreCase(change.value()))) {
                        List<String> more = new ArrayList<>(envelope.recipients);
                        more.add(change.value());
                        envelope.recipients = more;
                    }
                }
                case DELETE_RECIPIENT -> {
                    List<String> fewer = new ArrayList<>(envelope.recipients);
                    fewer.removeIf(r -> r.equalsIgnoreCase(change.value()));
                    envelope.recipients = fewer;
                    envelope.dsnNotify.keySet().removeIf(r -> r.equalsIgnoreCase(change.value()));
                    envelope.dsnOriginalRecipient.keySet().removeIf(r -> r.equalsIgnoreCase(change.value()));
                }
                default -> {
                    // the content's changes: below
                }
            }
        }
    }

    /** @return whether any change is to the content (header fields or body) */
    static boolean changeContent(List<MessageChange> changes) {
        for (MessageChange change : changes) {
            switch (change.kind()) {
                case ADD_HEADER, INSERT_HEADER, CHANGE_HEADER, REPLACE_BODY -> {
                    return true;
                }
                default -> {
                    // the envelope's
                }
            }
        }
        return false;
    }

    /**
     * @param file the message as received (the listener's Received field first)
     * @return the message with the header fields and the body changed; the caller closes it
     */
    static InputStream applyToContent(List<MessageChange> changes, Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        try {
            List<String> fields = HeaderFields.read(in);
            Path body = null;
            for (MessageChange change : changes) {
                switch (change.kind()) {
                    case ADD_HEADER -> fields.add(field(change.name(), change.value()));
                    case INSERT_HEADER -> fields.add(Math.min(change.index(), fields.size()), field(change.name(), change.value()));
                    case CHANGE_HEADER -> change(fields, change);
                    case REPLACE_BODY -> body = change.body();
                    default -> {
                        // the envelope's
                    }
                }
            }
            StringBuilder header = new StringBuilder();
            fields.forEach(header::append);
            header.append("\r\n");
            InputStream head = new ByteArrayInputStream(header.toString().getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                in.close();
                return new SequenceInputStream(head, new BufferedInputStream(Files.newInputStream(body)));
            }
            return new SequenceInputStream(head, in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static void change(List<String> fields, MessageChange change) {
        int seen = 0;
        for (int i = 0; i < fields.size(); i++) {
            if (name(fields.get(i)).equalsIgnoreCase(change.name()) && ++seen == change.index()) {
                if (change.value().isEmpty()) {
                    fields.remove(i);
                } else {
                    String original = fields.get(i);
                    fields.set(i, field(original.substring(0, original.indexOf(':')), change.value()));
                }
                return;
            }
        }
        if (!change.value().isEmpty()) {
            fields.add(field(change.name(), change.value())); // as sendmail does: a field that is not there is added
        }
    }

    private static String name(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
    }

    /** @return "Name: value" with CRLF line ends, folded lines kept (a milter folds with LF) */
    static String field(String name, String value) {
        String lines = value.replace("\r\n", "\n").replace("\n", "\r\n");
        boolean leadingSpace = !lines.isEmpty() && (lines.charAt(0) == ' ' || lines.charAt(0) == '\t');
        return name + (leadingSpace ? ":" : ": ") + lines + "\r\n";
    }
}
