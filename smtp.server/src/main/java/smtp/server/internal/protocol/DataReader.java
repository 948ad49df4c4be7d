package smtp.server.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the message after DATA, strictly (RFC 5321 4.1.1.4 and 4.5.2): it ends
 * only at CRLF "." CRLF where both line breaks are real CRLFs, and a leading
 * dot is removed from every other line. Bare CR or bare LF (the SMTP smuggling
 * family, CVE-2023-51764/51765/51766) never end the message:
 * <ul>
 * <li>in {@linkplain LineEndings#REJECT reject} mode the first one fails the
 * read with {@link BareLineEndingException}; later reads go on consuming, and
 * discarding, up to the real end, so no part of the message is taken for
 * commands;</li>
 * <li>in {@linkplain LineEndings#NORMALISE normalise} mode each is stored as
 * CRLF.</li>
 * </ul>
 */
final class DataReader extends InputStream {

    private static final int CHUNK = 16 * 1024;
    /** The size of the buffer a reader works in: a chunk of input, then its output (each byte gives at most two). */
    static final int BUFFER = CHUNK + 2 * CHUNK + 2;

    /** What to do with bare CR and bare LF in a message. */
    enum LineEndings { REJECT, NORMALISE }

    /** The message holds a bare CR or LF and the binding rejects such messages. */
    static final class BareLineEndingException extends IOException {
        private static final long serialVersionUID = 1L;

        BareLineEndingException(String which) {
            super("bare " + which + " in the message");
        }
    }

    private final InputStream in;
    private final LineEndings mode;
    private final BufferPool buffers;
    /**
     * From 0: input taken from the stream in one read (whatever follows the end of the message goes back); from
     * {@link #CHUNK}: its output (a bare CR or LF becomes CRLF).
     */
    private byte[] buffer;
    private int outLength; // relative to CHUNK
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
    DataReader(InputStream in, LineEndings mode, BufferPool buffers) {
        this.in = in;
        this.mode = mode;
        this.buffers = buffers;
        this.buffer = buffers.take();
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
            if (ended) {
                return -1;
            }
            step();
            if (violated && !reported && mode == LineEndings.REJECT) {
                reported = true;
                throw new BareLineEndingException(violation);
            }
        }
        return buffer[CHUNK + outPos++] & 0xff;
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
        System.arraycopy(this.buffer, CHUNK + outPos, buffer, offset + 1, n);
        outPos += n;
        return n + 1;
    }

    /**
     * Consumes what the stream has (at least one byte, blocking for it), up to a chunk, until some output is
     * ready or the message ended. With a stream that can reset, what was read beyond the end of the message
     * is given back, so that pipelined commands after it stay in the stream; otherwise it reads byte by byte.
     */
    private void step() throws IOException {
        outLength = 0;
        outPos = 0;
        boolean giveBack = in.markSupported();
        while (!ended && outLength == 0) {
            int n;
            if (giveBack) {
                in.mark(CHUNK);
                n = in.read(buffer, 0, CHUNK);
            } else {
                int b = in.read();
                buffer[0] = (byte) b;
                n = b < 0 ? -1 : 1;
            }
            if (n < 0) {
                throw new EOFException("connection closed before the end of the message");
            }
            int used = consume(n);
            if (ended && used < n) {
                in.reset();
                for (long skipped = 0; skipped < used; ) {
                    skipped += in.skip(used - skipped);
                }
            }
        }
        // once a rejected message is known, the rest is only consumed
        if (violated && mode == LineEndings.REJECT) {
            outLength = 0;
        }
    }

    /**
     * Feeds the first {@code n} bytes of the chunk through {@link #accept}, copying the runs in the middle of a
     * line (no CR, no LF, no line start to look at) to the output whole.
     *
     * @return how many bytes were used: all, unless the message ended before
     */
    private int consume(int n) {
        byte[] input = buffer;
        int i = 0;
        while (i < n && !ended) {
            if (!pendingCr && !lineStart) {
                int start = i;
                while (i < n && input[i] != '\r' && input[i] != '\n') {
                    i++;
                }
                int run = i - start;
                System.arraycopy(input, start, input, CHUNK + outLength, run);
                outLength += run;
                lineLength += run;
                if (i == n) {
                    break;
                }
            }
            accept(input[i++] & 0xff);
        }
        return i;
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
            buffer[CHUNK + outLength++] = (byte) b;
            lineLength++;
        }
    }

    private void newLine(boolean real) {
        buffer[CHUNK + outLength++] = '\r';
        buffer[CHUNK + outLength++] = '\n';
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
