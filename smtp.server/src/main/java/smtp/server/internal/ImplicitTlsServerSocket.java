package smtp.server.internal;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Supplier;

import smtp.server.api.TlsProfile;

/**
 * A server socket for implicit TLS: each accepted connection is wrapped with
 * the TLS profile of the moment, so a reloaded certificate serves the next
 * connection. The handshake runs on the session's thread, at the greeting; a
 * failed one ends the session before anything is said in plaintext.
 */
final class ImplicitTlsServerSocket extends ServerSocket {

    private final Supplier<TlsProfile> profile;

    ImplicitTlsServerSocket(Supplier<TlsProfile> profile) throws IOException {
        this.profile = profile;
    }

    @Override
    public Socket accept() throws IOException {
        Socket plain = super.accept();
        TlsProfile current = profile.get();
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
}
