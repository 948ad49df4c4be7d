package smtp.server.internal.protocol;

import java.io.IOException;
import java.io.InputStream;

import smtp.tlslayer.BufferPool;

/**
 * Reads the message after DATA, strictly (RFC 5321 4.1.1.4 and 4.5.2): it ends
 * only at CRLF "." CRLF where both line breaks are real CRLFs, and a leading
 * dot is removed from every other line. Bare CR or bare LF (the SMTP smuggling
 * family, CVE-2023-51764/51765/51766) never end the message:
 * <ul>
 * <li>in {@linkplain LineEndings#REJECT reject} mode the first one fails the
 * read with {@link BareLineEndingException}; {@link #discardRest()} then
 * consumes, and drops, everything up to the real end, so no part of the
 * message is taken for commands;</li>
 * <li>in {@linkplain LineEndings#NORMALISE normalise} mode each is stored as
 * CRLF.</li>
 * </ul>
 * The bytes are taken straight from the session's read-ahead; what follows the
 * end of the message stays there for the commands.
 */
final class DataReader extends InputStream {

    private static final int CHUNK = 16 * 1024;
    /** The size of the buffer a reader writes its output to: a chunk of input gives at most twice as many bytes. */
    public static final int BUFFER = 2 * CHUNK + 2;
    /** The buffer of a reader that found its pool's budget used up: smaller chunks, same result. */
    static final int SMALL_BUFFER = 2 * Input.SIZE + 2;

    /** The message holds a bare CR or LF and the binding rejects such messages. */
    static final class BareLineEndingException extends IOException {
        private static final long serialVersionUID = 1L;

        BareLineEndingException(String which) {
            super("bare " + which + " in the message");
        }
    }

    private final Input input;
    private final LineEndings mode;
    private final BufferPool buffers;
    /** The output of the last chunk of input (a bare CR or LF becomes CRLF). */
    private byte[] buffer;
    /** The most input bytes taken in one step: their output (a bare CR or LF becomes CRLF) fits the buffer. */
    private final int chunk;
    private int outLength;
    private int outPos;

    private boolean lineStart = true;     // the DATA line itself ended with CRLF
    private boolean realBreak = true;     // the break that started this line was CRLF
    private boolean dotLine;              // this line began with a dot, which was removed
    private boolean dotAfterRealBreak;
    private int lineLength;
    private boolean pendingCr;
    private boolean ended;
    private boolean violated;
    private String violation;
    private boolean reported;

    /** @param buffers where to take the reader's buffer from, and give it back to when the message is read */
    DataReader(Input input, LineEndings mode, BufferPool buffers) {
        this.input = input;
        this.mode = mode;
        this.buffers = buffers;
        byte[] pooled = buffers.take();
        this.buffer = pooled != null ? pooled : new byte[SMALL_BUFFER];
        this.chunk = (buffer.length - 2) / 2;
    }

    /** Gives the buffer back; the message must be read to its end or given up first. The stream stays open. */
    @Override
    public void close() {
        if (buffer != null) {
            buffers.give(buffer);
            buffer = null;
        }
    }

    @Override
    public int read() throws IOException {
        while (outPos >= outLength) {
            if (holding()) { // what came before the bare line ending was read: size limits and headers saw it
                reported = true;
                throw new BareLineEndingException(violation);
            }
            if (ended) {
                return -1;
            }
            step();
        }
        return buffer[outPos++] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        int first = read();
        if (first < 0) {
            return -1;
        }
        buffer[offset] = (byte) first;
        int n = Math.min(length - 1, outLength - outPos);
        System.arraycopy(this.buffer, outPos, buffer, offset + 1, n);
        outPos += n;
        return n + 1;
    }

    /**
     * Consumes what the read-ahead has (reading at least one byte, blocking for it), up to a chunk, until some
     * output is ready or the message ended.
     */
    private void step() throws IOException {
        outLength = 0;
        outPos = 0;
        while (!ended && outLength == 0 && !holding()) {
            if (input.available() == 0) {
                input.fill();
            }
            int n = Math.min(input.available(), chunk);
            input.skip(consume(input.buffer(), input.position(), n));
        }
        // once the refusal is reported, the rest is only consumed
        if (violated && mode == LineEndings.REJECT && reported) {
            outLength = 0;
        }
    }

    /** @return true while a bare line ending that refuses the message was found and not yet reported */
    private boolean holding() {
        return violated && mode == LineEndings.REJECT && !reported;
    }

    /** Reads the rest of the message and drops it; a bare line ending found now is no error any more. */
    void discardRest() throws IOException {
        reported = true;
        while (!ended) {
            step();
        }
        outLength = 0;
        outPos = 0;
    }

    /** @return "bare CR" or "bare LF" if the message has one, else null */
    String violation() {
        return violated ? "bare " + violation : null;
    }

    /**
     * Feeds {@code n} bytes of the input through {@link #accept}, copying the runs in the middle of a line (no CR,
     * no LF, no line start to look at) to the output whole.
     *
     * @return how many bytes were used: all, unless the message ended before
     */
    private int consume(byte[] input, int offset, int n) {
        int i = offset;
        int end = offset + n;
        while (i < end && !ended && !holding()) {
            if (!pendingCr && !lineStart) {
                int start = i;
                while (i < end && input[i] != '\r' && input[i] != '\n') {
                    i++;
                }
                int run = i - start;
                System.arraycopy(input, start, buffer, outLength, run);
                outLength += run;
                lineLength += run;
                if (i == end) {
                    break;
                }
            }
            accept(input[i++] & 0xff);
        }
        return i - offset;
    }

    private void accept(int b) {
        if (pendingCr) {
            pendingCr = false;
            if (b == '\n') {
                if (dotLine && lineLength == 0 && dotAfterRealBreak) {
                    ended = true;
                    return;
                }
                newLine(true);
                return;
            }
            bare("CR");
            newLine(false);
        }
        if (b == '\r') {
            pendingCr = true;
        } else if (b == '\n') {
            bare("LF");
            newLine(false);
        } else if (lineStart && b == '.') {
            lineStart = false;
            dotLine = true;
            dotAfterRealBreak = realBreak;
        } else {
            lineStart = false;
            buffer[outLength++] = (byte) b;
            lineLength++;
        }
    }

    private void newLine(boolean real) {
        buffer[outLength++] = '\r';
        buffer[outLength++] = '\n';
        lineStart = true;
        realBreak = real;
        dotLine = false;
        lineLength = 0;
    }

    private void bare(String which) {
        if (!violated) {
            violated = true;
            violation = which;
        }
    }
}
