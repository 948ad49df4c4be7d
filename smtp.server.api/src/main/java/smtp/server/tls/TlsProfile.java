package smtp.server.tls;

import javax.net.ssl.SSLEngine;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A TLS profile: a certificate with its key, and the protocols and cipher
 * suites the server accepts. The smtp.tls bundle registers one service per
 * profile; an SMTP binding selects a profile by its {@linkplain #name() name}
 * (the highest ranked service if several share it).
 * <p>
 * A profile may change its certificate while it is registered (when its files
 * change on disk): each {@link #engine} uses the certificate of that moment,
 * and connections started before keep theirs.
 */
@ProviderType
public interface TlsProfile {

    /** The profile name a binding uses when it names none. */
    String DEFAULT_NAME = "default";

    /** @return the name bindings select this profile by */
    String name();

    /**
     * A server-side TLS engine for one connection, with this profile's
     * certificate, protocols and cipher suites. Its handshake is not begun: the
     * listener runs it over the accepted connection (implicit TLS, or after
     * STARTTLS), and the session over it.
     *
     * @return a new engine in server mode
     */
    SSLEngine engine();
}
