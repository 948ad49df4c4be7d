package smtp.server.tls;

import java.io.IOException;
import java.net.Socket;

import javax.net.ssl.SSLSocket;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A TLS profile: a certificate with its key, and the protocols and cipher
 * suites the server accepts. The smtp.tls bundle registers one service per
 * profile; an SMTP binding selects a profile by its {@linkplain #name() name}
 * (the highest ranked service if several share it).
 * <p>
 * A profile may change its certificate while it is registered (when its files
 * change on disk): each {@link #wrap} uses the certificate of that moment, and
 * sockets wrapped before keep theirs.
 */
@ProviderType
public interface TlsProfile {

    /** The profile name a binding uses when it names none. */
    String DEFAULT_NAME = "default";

    /** @return the name bindings select this profile by */
    String name();

    /**
     * Layers server-side TLS over an accepted TCP connection, with this
     * profile's certificate, protocols and cipher suites. The handshake is not
     * started: it happens on the first read or write, or by
     * {@link SSLSocket#startHandshake()}. Closing the returned socket closes
     * {@code plain}.
     *
     * @param plain a connected socket, with no bytes of the handshake read from it yet
     * @return the TLS socket over {@code plain}
     * @throws IOException if the socket cannot be layered
     */
    SSLSocket wrap(Socket plain) throws IOException;
}
