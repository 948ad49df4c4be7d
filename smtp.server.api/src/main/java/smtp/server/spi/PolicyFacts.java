package smtp.server.spi;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What is known of a session when a {@link PolicyPlugin} is asked. Each call gets
 * its own copy, which the plugin may keep; a fact not known yet at the
 * {@link #stage} is {@code null} (or empty).
 */
@ProviderType
public class PolicyFacts {

    /** The point of the session the plugin is asked at. */
    public PolicyStage stage;

    /** Identifier of the session, unique while the listener runs (as in {@link SessionDTO#id}). */
    public String sessionId;

    /** When the client connected, in milliseconds since the epoch. */
    public long sessionStartedAt;

    /** Textual IP address of the client: the one a trusted proxy named (PROXY protocol), else the peer's. */
    public String clientAddress;

    /** TCP port of the client, as {@link #clientAddress}. */
    public int clientPort;

    /** Whether the client's address came from a PROXY protocol header. */
    public boolean proxied;

    /** The address the connection really came from: the proxy's when {@link #proxied}, else the client's. */
    public String peerAddress;

    /** Textual local IP address the client connected to. */
    public String localAddress;

    /** Local TCP port the client connected to. */
    public int localPort;

    /**
     * On an intercepting binding, where the client meant to connect ("203.0.113.25:25") before the firewall sent it
     * here; {@code null} on other bindings.
     *
     * @since 1.2
     */
    public String originalDestination;

    /** The name this server gives itself (in its greeting and its Received header). */
    public String serverName;

    /** Name of the binding the client connected to. */
    public String binding;

    /** Usage of the address the client connected to: {@code internal} or {@code external}. */
    public String usage;

    /** Whether the session is protected by TLS. */
    public boolean tls;

    /** The TLS protocol and cipher ({@code TLSv1.3 TLS_AES_256_GCM_SHA384}) when {@link #tls}; else {@code null}. */
    public String tlsCipher;

    /** The user the client authenticated as, or {@code null}. */
    public String authenticatedUser;

    /** The name the client gave in HELO or EHLO, or {@code null}. */
    public String heloName;

    /** The reverse path of MAIL FROM (the empty string for the null sender), or {@code null} before MAIL. */
    public String sender;

    /** The ESMTP parameters of MAIL FROM, keywords in upper case; a parameter without value maps to {@code null}. */
    public Map<String, String> mailParameters = Map.of();

    /** At {@link PolicyStage#RCPT}: the recipient asked about; else {@code null}. */
    public String recipient;

    /** The recipients accepted so far (at {@link PolicyStage#END_OF_MESSAGE}: all of them). */
    public List<String> recipients = List.of();

    /** At {@link PolicyStage#END_OF_MESSAGE}: the message's queue id; else {@code null}. */
    public String queueId;

    /** At {@link PolicyStage#END_OF_MESSAGE}: the message, to read as far as needed; else {@code null}. */
    public MessageContent content;
}
