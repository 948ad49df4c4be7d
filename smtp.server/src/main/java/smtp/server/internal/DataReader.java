package smtp.server.internal;

import java.io.ByteArrayOutputStream;
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
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(4);
    private byte[] out = new byte[0];
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

    DataReader(InputStream in, LineEndings mode) {
        this.in = in;
        this.mode = mode;
    }

    @Override
    public int read() throws IOException {
        while (outPos >= out.length) {
            if (ended) {
                return -1;
            }
            step();
            if (violated && !reported && mode == LineEndings.REJECT) {
                reported = true;
                throw new BareLineEndingException(violation);
            }
        }
        return out[outPos++] & 0xff;
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
        int n = 1;
        while (n < length && outPos < out.length) {
            buffer[offset + n++] = out[outPos++];
        }
        return n;
    }

    /** Consumes input until some output is ready or the message ended. */
    private void step() throws IOException {
        pending.reset();
        // take what is there without blocking, up to a buffer's worth, but at least one byte of output
        while (!ended && (pending.size() == 0 || pending.size() < 8192 && in.available() > 0)) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed before the end of the message");
            }
            accept(b);
        }
        // once a rejected message is known, the rest is only consumed
        out = violated && mode == LineEndings.REJECT ? new byte[0] : pending.toByteArray();
        outPos = 0;
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
            pending.write(b);
            lineLength++;
        }
    }

    private void newLine(boolean real) {
        pending.write('\r');
        pending.write('\n');
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
