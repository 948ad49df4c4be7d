package smtp.server.internal;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

import smtp.server.api.TlsProfile;

/**
 * The server socket of one endpoint.
 * <p>
 * It can stop accepting without ending the sessions it has: {@link #drain()}
 * releases the port at once, and SubEthaSMTP's accept loop then waits here
 * until the server is stopped, instead of seeing an error.
 * <p>
 * For implicit TLS each accepted connection is wrapped with the TLS profile of
 * the moment, so a reloaded certificate serves the next connection. The
 * handshake runs on the session's thread, at the greeting; a failed one ends the
 * session before anything is said in plaintext.
 */
final class ListeningSocket extends ServerSocket {

    private final Supplier<TlsProfile> implicitTls;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean draining;

    /** @param implicitTls the TLS profile to wrap connections with, or null for plain connections */
    ListeningSocket(Supplier<TlsProfile> implicitTls) throws IOException {
        this.implicitTls = implicitTls;
    }

    /** Stops accepting connections and releases the port; the server's sessions go on. */
    void drain() throws IOException {
        draining = true;
        super.close();
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        super.close();
    }

    @Override
    public Socket accept() throws IOException {
        Socket plain;
        try {
            plain = super.accept();
        } catch (IOException e) {
            if (draining) {
                awaitClose();
            }
            throw e;
        }
        if (implicitTls == null) {
            return plain;
        }
        TlsProfile current = implicitTls.get();
        if (current == null) {
            plain.close();
            throw new IOException("the TLS profile of this binding is gone; connection closed");
        }
        try {
            return current.wrap(plain);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    private void awaitClose() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
