package smtp.server.internal.message;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Looks at the header section of a message as it streams by: counts its
 * Received: fields and fails the read that finds one more than the limit (such
 * a message is going round in a loop between mail servers, RFC 5321 6.3), and
 * notes a {@code TLS-Required: No} field (RFC 8689). The body is passed on
 * unexamined.
 */
final class HeaderScan extends FilterInputStream {

    static final class LoopException extends IOException {
        private static final long serialVersionUID = 1L;

        LoopException(int limit) {
            super("more than " + limit + " Received headers");
        }
    }

    /** The start of each header line kept, enough for the field names looked for and a short value. */
    private static final int KEPT = 64;

    private final int maxHops;
    private int hops;
    private boolean inHeaders = true;
    private final byte[] line = new byte[KEPT];
    private int length;
    private boolean tlsRequiredNo;
    private boolean loop;

    HeaderScan(InputStream in, int maxHops) {
        super(in);
        this.maxHops = maxHops;
    }

    /** @return whether the headers hold {@code TLS-Required: No} */
    boolean tlsRequiredNo() {
        return tlsRequiredNo;
    }

    /** @return whether the header section has not ended yet */
    boolean inHeaders() {
        return inHeaders;
    }

    /** @return whether there were more Received fields than allowed */
    boolean loop() {
        return loop;
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
        if (b != '\n') {
            if (length < KEPT) {
                line[length++] = (byte) b;
            }
            return;
        }
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        length = 0;
        if (end == 0) {
            inHeaders = false; // the empty line: the body starts
            return;
        }
        String start = new String(line, 0, end, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        if (start.startsWith("received:") && ++hops > maxHops) {
            loop = true;
            throw new LoopException(maxHops);
        }
        if (start.startsWith("tls-required:") && start.substring("tls-required:".length()).trim().equals("no")) {
            tlsRequiredNo = true;
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
