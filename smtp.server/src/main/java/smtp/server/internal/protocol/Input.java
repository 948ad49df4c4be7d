package smtp.server.internal.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What the client sends, read in blocks into one buffer: command lines are cut
 * out of it, and the message readers take their bytes straight from it, so
 * that pipelined commands and message data share one read-ahead and nothing is
 * read twice. While a message comes in, the buffer is swapped for a larger one
 * ({@link #enlarge}).
 */
final class Input {

    /** Where the bytes come from: the connection, with its deadlines. */
    interface Source {
        /**
         * @return bytes read, at least one
         * @throws ConnectionLost at the end of the stream, or when a deadline passed
         */
        int read(byte[] buffer, int offset, int length) throws IOException;
    }

    /** A command line, decoded, or what is wrong with it. */
    record Line(String text, Problem problem) {}

    /** Why a command line cannot be taken. */
    enum Problem { TOO_LONG, BARE_LF, BARE_CR, NOT_UTF8 }

    static final int SIZE = 4096;

    private Source source;
    private byte[] buffer = new byte[SIZE];
    private byte[] small;
    private int position;
    private int limit;

    Input(Source source) {
        this.source = source;
    }

    /** Reads from another source from now on (after a TLS handshake); what was buffered is dropped. */
    void switchTo(Source source) {
        this.source = source;
        position = 0;
        limit = 0;
    }

    /** @return bytes buffered and not consumed */
    int available() {
        return limit - position;
    }

    byte[] buffer() {
        return buffer;
    }

    int position() {
        return position;
    }

    void skip(int count) {
        position += count;
    }

    /** Reads more: at least one byte, blocking for it. */
    void fill() throws IOException {
        if (position == limit) {
            position = 0;
            limit = 0;
        } else if (limit == buffer.length) {
            compact();
        }
        limit += source.read(buffer, limit, buffer.length - limit);
    }

    /** Swaps in a larger buffer (for a message) and keeps what is buffered; null keeps the usual one. */
    void enlarge(byte[] larger) {
        if (larger == null) {
            return;
        }
        int n = limit - position;
        System.arraycopy(buffer, position, larger, 0, n);
        small = buffer;
        buffer = larger;
        position = 0;
        limit = n;
    }

    /** @return the larger buffer, once its unread bytes are back in the usual one; null if none was swapped in */
    byte[] shrink() {
        if (small == null) {
            return null;
        }
        byte[] larger = buffer;
        int n = limit - position;
        byte[] usual = n <= small.length ? small : new byte[n];
        System.arraycopy(larger, position, usual, 0, n);
        buffer = usual;
        small = null;
        position = 0;
        limit = n;
        return larger;
    }

    private void compact() {
        System.arraycopy(buffer, position, buffer, 0, limit - position);
        limit -= position;
        position = 0;
    }

    /**
     * Reads one line up to its LF. A line longer than the maximum is read to its end and dropped.
     *
     * @param maxLength the most bytes a line may have, its line break not counted
     */
    Line readLine(int maxLength) throws IOException {
        int scanned = 0;
        boolean tooLong = false;
        while (true) {
            int lf = -1;
            for (int i = position + scanned; i < limit; i++) {
                if (buffer[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            if (lf >= 0) {
                int end = lf;
                boolean crlf = end > position && buffer[end - 1] == '\r';
                if (crlf) {
                    end--;
                }
                int start = position;
                position = lf + 1;
                if (tooLong || end - start > maxLength) {
                    return new Line(null, Problem.TOO_LONG);
                }
                if (!crlf) {
                    return new Line(null, Problem.BARE_LF);
                }
                return decode(start, end);
            }
            scanned = limit - position;
            if (scanned > maxLength + 1) {
                tooLong = true; // drop what is buffered of it, and read on to its end
                position = limit;
                scanned = 0;
            } else if (position > 0 && limit == buffer.length) {
                compact();
            } else if (limit == buffer.length) {
                byte[] larger = new byte[buffer.length * 2]; // a long line that is still allowed
                System.arraycopy(buffer, 0, larger, 0, limit);
                buffer = larger;
            }
            fill();
        }
    }

    private Line decode(int start, int end) {
        boolean ascii = true;
        for (int i = start; i < end; i++) {
            byte b = buffer[i];
            if (b == '\r') {
                return new Line(null, Problem.BARE_CR);
            }
            if (b < 0) {
                ascii = false;
            }
        }
        if (ascii) {
            return new Line(new String(buffer, start, end - start, StandardCharsets.ISO_8859_1), null);
        }
        try {
            return new Line(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buffer, start, end - start)).toString(), null);
        } catch (CharacterCodingException e) {
            return new Line(null, Problem.NOT_UTF8);
        }
    }

    /** Reads exactly {@code length} bytes into the array. */
    void readFully(byte[] into, int offset, int length) throws IOException {
        int done = 0;
        while (done < length) {
            if (position == limit) {
                fill();
            }
            int n = Math.min(length - done, limit - position);
            System.arraycopy(buffer, position, into, offset + done, n);
            position += n;
            done += n;
        }
    }
}
