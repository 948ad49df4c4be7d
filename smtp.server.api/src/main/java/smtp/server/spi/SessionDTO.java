package smtp.server.spi;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/** An SMTP session as {@link SessionListener}s see it. */
@ProviderType
public class SessionDTO extends DTO {

    /** Identifier of the session, unique while the listener runs. */
    public String id;

    /** Textual IP address of the client. */
    public String clientAddress;

    /** TCP port of the client. */
    public int clientPort;

    /** Textual local IP address the client connected to. */
    public String localAddress;

    /** Local TCP port the client connected to. */
    public int localPort;

    /** The name the client gave in HELO or EHLO, or {@code null} if none yet. */
    public String heloName;

    /** Whether the session is protected by TLS. */
    public boolean tls;

    /** The user the client authenticated as, or {@code null}. */
    public String authenticatedUser;

    /** Name of the binding the client connected to. */
    public String binding;

    /** Usage of the address the client connected to: {@code internal} or {@code external}. */
    public String usage;

    /** When the client connected, in milliseconds since the epoch. */
    public long startedAt;

    /**
     * On an intercepting binding, the address and port the client meant to reach ("203.0.113.25:25", "[2001:db8::25]:25")
     * before a firewall sent its connection here; {@code null} on other bindings.
     *
     * @since 1.2
     */
    public String originalDestination;
}
