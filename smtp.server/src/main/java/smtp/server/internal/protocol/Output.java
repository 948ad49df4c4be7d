package smtp.server.internal.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The replies to the client, collected and sent together when the session is
 * about to wait for the client (RFC 2920: the replies to a pipelined group go
 * out in one write).
 */
final class Output {

    private OutputStream out;
    private byte[] buffer = new byte[1024];
    private int length;

    Output(OutputStream out) {
        this.out = out;
    }

    /** Writes to another stream from now on (after a TLS handshake). */
    void switchTo(OutputStream out) {
        this.out = out;
    }

    /** Adds a reply: one line, or several separated by CRLF; the last CRLF is added here. */
    void reply(String reply) {
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        ensure(bytes.length + 2);
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
        buffer[length++] = '\r';
        buffer[length++] = '\n';
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            byte[] larger = new byte[Math.max(buffer.length * 2, length + more)];
            System.arraycopy(buffer, 0, larger, 0, length);
            buffer = larger;
        }
    }

    boolean pending() {
        return length > 0;
    }

    /** Sends what is collected. */
    void flush() throws IOException {
        if (length > 0) {
            int n = length;
            length = 0;
            out.write(buffer, 0, n);
            out.flush();
        }
    }
}
