package smtp.server.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the Received: header lines of a message as it streams by (in the
 * header section only) and fails the read that finds one more than the limit:
 * such a message is going round in a loop between mail servers (RFC 5321
 * 6.3).
 */
final class HopCount extends FilterInputStream {

    static final class LoopException extends IOException {
        private static final long serialVersionUID = 1L;

        LoopException(int limit) {
            super("more than " + limit + " Received headers");
        }
    }

    private static final byte[] RECEIVED = "received:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int limit;
    private int hops;
    private boolean inHeaders = true;
    private boolean lineStart = true;
    private boolean emptyLine = true;
    private int matched = -1; // bytes of "received:" matched at the start of this line, -1 when not matching

    HopCount(InputStream in, int limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0 && inHeaders) {
            see(b);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        for (int i = 0; i < n && inHeaders; i++) {
            see(buffer[offset + i] & 0xff);
        }
        return n;
    }

    private void see(int b) throws LoopException {
        if (b == '\n') {
            if (emptyLine) {
                inHeaders = false; // the blank line: the body starts
            }
            lineStart = true;
            emptyLine = true;
            matched = 0;
            return;
        }
        if (b != '\r') {
            emptyLine = false;
        }
        if (lineStart) {
            lineStart = false;
            matched = 0;
        }
        if (matched >= 0 && matched < RECEIVED.length) {
            matched = Character.toLowerCase(b) == RECEIVED[matched] ? matched + 1 : -1;
            if (matched == RECEIVED.length && ++hops > limit) {
                throw new LoopException(limit);
            }
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
