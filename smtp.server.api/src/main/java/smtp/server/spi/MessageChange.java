package smtp.server.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A change an end-of-message plugin makes to the message before it is
 * delivered: what a milter may do (add, insert, change and delete header
 * fields, change the sender, add and remove recipients, replace the body).
 * Immutable; make changes with the static methods and give them with
 * {@link PolicyVerdict#withChange}. Changes given before the end of the message
 * are ignored (and logged).
 * <p>
 * Header fields are counted over the message as plugins see it: the
 * listener's Received field first.
 */
public final class MessageChange {

    /** What a change does. */
    public enum Kind {
        /** A header field at the end of the header section. */
        ADD_HEADER,
        /** A header field before the field at {@link #index()} (0: on top). */
        INSERT_HEADER,
        /** The {@link #index()}-th field (from 1) of that name gets a new value; an empty value removes it. */
        CHANGE_HEADER,
        /** A new reverse path, with its MAIL parameters. */
        CHANGE_SENDER,
        /** One more recipient, with its RCPT parameters. */
        ADD_RECIPIENT,
        /** A recipient removed. */
        DELETE_RECIPIENT,
        /** The body (after the header section) replaced by the content of a file. */
        REPLACE_BODY
    }

    private final Kind kind;
    private final String name;
    private final String value;
    private final int index;
    private final Path body;

    private MessageChange(Kind kind, String name, String value, int index, Path body) {
        this.kind = kind;
        this.name = name;
        this.value = value;
        this.index = index;
        this.body = body;
    }

    /** @return a header field added at the end of the header section */
    public static MessageChange addHeader(String name, String value) {
        return new MessageChange(Kind.ADD_HEADER, fieldName(name), Objects.requireNonNull(value, "value"), 0, null);
    }

    /** @return a header field inserted before the field at {@code index} (0 is the top; past the end, at the end) */
    public static MessageChange insertHeader(int index, String name, String value) {
        return new MessageChange(Kind.INSERT_HEADER, fieldName(name), Objects.requireNonNull(value, "value"),
                Math.max(0, index), null);
    }

    /**
     * @param occurrence which field of that name, from 1
     * @param value the new value; empty or null removes the field
     * @return the change of one field's value (a field that is not there is added, unless the value removes)
     */
    public static MessageChange changeHeader(String name, int occurrence, String value) {
        if (occurrence < 1) {
            throw new IllegalArgumentException("header occurrences count from 1, not " + occurrence);
        }
        return new MessageChange(Kind.CHANGE_HEADER, fieldName(name), value == null ? "" : value, occurrence, null);
    }

    /** @return the field removed */
    public static MessageChange deleteHeader(String name, int occurrence) {
        return changeHeader(name, occurrence, "");
    }

    /**
     * @param address the new reverse path, without angle brackets; empty for the null sender
     * @param parameters its ESMTP parameters as text ({@code SIZE=100 BODY=8BITMIME}), or null
     */
    public static MessageChange changeSender(String address, String parameters) {
        return new MessageChange(Kind.CHANGE_SENDER, null, address(address), 0, null).parameters(parameters);
    }

    /** @return one more recipient (address without angle brackets), with its RCPT parameters or null */
    public static MessageChange addRecipient(String address, String parameters) {
        return new MessageChange(Kind.ADD_RECIPIENT, null, address(address), 0, null).parameters(parameters);
    }

    /** @return a recipient removed (address without angle brackets; compared without regard to case) */
    public static MessageChange deleteRecipient(String address) {
        return new MessageChange(Kind.DELETE_RECIPIENT, null, address(address), 0, null);
    }

    /**
     * @param file the new body, as it is to be stored (CRLF line endings); the listener takes the file over and
     *        deletes it once the message is stored or refused
     */
    public static MessageChange replaceBody(Path file) {
        return new MessageChange(Kind.REPLACE_BODY, null, null, 0, Objects.requireNonNull(file, "file"));
    }

    private MessageChange parameters(String parameters) {
        return parameters == null || parameters.isBlank() ? this
                : new MessageChange(kind, parameters.strip(), value, index, body);
    }

    public Kind kind() {
        return kind;
    }

    /** @return the header field's name; for a sender or recipient, its parameters (or null) */
    public String name() {
        return name;
    }

    /** @return the header field's value, or the address */
    public String value() {
        return value;
    }

    /** @return the insert position, or the occurrence to change */
    public int index() {
        return index;
    }

    /** @return the file of the new body */
    public Path body() {
        return body;
    }

    @Override
    public String toString() {
        return kind + (name == null ? "" : " " + name) + (value == null ? "" : " " + value)
                + (kind == Kind.INSERT_HEADER || kind == Kind.CHANGE_HEADER ? " @" + index : "")
                + (body == null ? "" : " " + body);
    }

    private static String fieldName(String name) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
            throw new IllegalArgumentException("not a header field name: " + name);
        }
        return name;
    }

    private static String address(String address) {
        String bare = Objects.requireNonNull(address, "address").strip();
        if (bare.startsWith("<") && bare.endsWith(">")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        if (bare.chars().anyMatch(c -> c < 32 || c == 127 || c == ' ' || c == '<' || c == '>')) {
            throw new IllegalArgumentException("not an address: " + address);
        }
        return bare;
    }
}
