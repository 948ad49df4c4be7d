package smtp.server.internal.session;

import java.net.InetSocketAddress;
import java.util.concurrent.Future;

import smtp.server.internal.net.Addresses;
import smtp.server.spi.SessionDTO;

/**
 * One live session as the registry knows it: the facts that the console, the
 * session listeners, the limits and the message pipeline read. The session
 * updates them as it goes on; other threads only read them.
 */
public final class SessionInfo {

    /** What the registry may ask of a live session, from another thread. */
    public interface Control {
        /** The endpoint is draining: end now if waiting for a command with no message under way, else soon. */
        void drain();

        /** The session deadline passed: close the connection, whatever the client is doing. */
        void expire();
    }

    public final String id;
    public final long startedAt = System.currentTimeMillis();
    /** The endpoint the session came in on (what draining and counting per endpoint go by). */
    public final Object endpoint;
    /** Whether the endpoint's address is Internal or External. */
    public final Usage usage;
    /** The name of the binding the endpoint belongs to. */
    public final String binding;
    /** The address the connection came from: the proxy's, when a PROXY protocol header names the client. */
    public final InetSocketAddress peer;
    final Control control;
    private volatile InetSocketAddress client;
    private volatile InetSocketAddress local;
    private volatile String heloName;
    private volatile boolean extended;
    private volatile boolean tls;
    private volatile String tlsCipher;
    private volatile String user;
    /** On an intercepting binding, where the client meant to connect; null elsewhere. */
    private volatile InetSocketAddress originalDestination;
    /** Whether intercepted mail goes on to the original destination (else by delivery's route). */
    private volatile boolean toOriginal;
    /** Messages accepted; written by the session's thread only. */
    private int messages;
    Future<?> deadline;

    public SessionInfo(String id, Object endpoint, String binding, Usage usage, InetSocketAddress client,
            InetSocketAddress local, boolean tls, Control control) {
        this.id = id;
        this.endpoint = endpoint;
        this.binding = binding;
        this.usage = usage;
        this.peer = client;
        this.client = client;
        this.local = local;
        this.tls = tls;
        this.control = control;
    }

    /** The client, as the PROXY protocol header or the connection gives it. */
    public InetSocketAddress client() {
        return client;
    }

    public String clientAddress() {
        return client.getAddress().getHostAddress();
    }

    public InetSocketAddress local() {
        return local;
    }

    /** @return where the client meant to connect, on an intercepting binding; null elsewhere */
    public InetSocketAddress originalDestination() {
        return originalDestination;
    }

    /** @return whether the session's mail goes on to its original destination (an intercepted session) */
    public boolean toOriginal() {
        return toOriginal;
    }

    /**
     * The session was intercepted on its way to another server.
     *
     * @param toOriginal whether its mail goes on to that server (else by delivery's route)
     */
    public void intercepted(InetSocketAddress destination, boolean toOriginal) {
        this.originalDestination = destination;
        this.toOriginal = toOriginal;
    }

    /** @return whether a trusted proxy named the client */
    public boolean proxied() {
        return client != peer;
    }

    /** A trusted proxy gave the real addresses of the connection. */
    public void proxied(InetSocketAddress client, InetSocketAddress local) {
        this.client = client;
        this.local = local;
    }

    public String heloName() {
        return heloName;
    }

    public boolean extended() {
        return extended;
    }

    public void hello(String heloName, boolean extended) {
        this.heloName = heloName;
        this.extended = extended;
    }

    public boolean tls() {
        return tls;
    }

    /** @param cipher the TLS protocol and cipher suite, "TLSv1.3 TLS_AES_256_GCM_SHA384" */
    public void tlsStarted(String cipher) {
        this.tlsCipher = cipher;
        this.tls = true;
    }

    /** @return the TLS protocol and cipher suite, or null before TLS */
    public String tlsCipher() {
        return tlsCipher;
    }

    public String user() {
        return user;
    }

    public void authenticated(String user) {
        this.user = user;
    }

    public int messages() {
        return messages;
    }

    public void messageAccepted() {
        messages++;
    }

    /** @return a copy of the session as it is now */
    public SessionDTO snapshot() {
        SessionDTO dto = new SessionDTO();
        InetSocketAddress client = this.client;
        InetSocketAddress local = this.local;
        dto.id = id;
        dto.clientAddress = client.getAddress().getHostAddress();
        dto.clientPort = client.getPort();
        dto.localAddress = local.getAddress().getHostAddress();
        dto.localPort = local.getPort();
        dto.startedAt = startedAt;
        dto.heloName = heloName;
        dto.tls = tls;
        dto.authenticatedUser = user;
        dto.binding = binding;
        dto.usage = usage.toString();
        InetSocketAddress destination = originalDestination;
        dto.originalDestination = destination == null ? null : Addresses.hostPort(destination);
        return dto;
    }
}
