package smtp.server.internal.protocol;

import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import smtp.server.internal.auth.AuthGate;
import smtp.server.internal.auth.Authenticators;
import smtp.server.internal.message.Pipeline;
import smtp.server.internal.message.RecipientPolicy;
import smtp.server.internal.policy.PolicyChain;
import smtp.server.internal.session.Errors;
import smtp.server.internal.session.Sessions;
import smtp.server.internal.session.Warnings;
import smtp.server.tls.TlsProfile;
import smtp.tlslayer.BufferPool;
import smtp.tlslayer.TlsLayer;

/** What every session of the listener shares: its settings, its registry and the services it uses. */
public final class ServerContext {

    /** Limits of one session. */
    public record Limits(long maxMessageSize, int maxRecipients, int maxMessagesPerConnection, long idleTimeoutMillis,
            int minDataRate, Errors.Policy errors) {}

    final String hostName;
    final String softwareName;
    final Limits limits;
    final Sessions sessions;
    final Pipeline pipeline;
    final RecipientPolicy recipients;
    final Authenticators authenticators;
    final AuthGate authGate;
    final ExecutorService threads;
    final ReadTimeouts readTimeouts;
    final PolicyChain policy;
    /** The warnings any client can cause, rate-limited. */
    final Warnings warnings = new Warnings();
    private final Function<String, TlsProfile> tlsProfiles;
    /** The read-ahead of sessions while a message comes in, reused from one message to the next. */
    final BufferPool inputBuffers = new BufferPool(64 * 1024, 64, BufferPool.limitFor(64 * 1024, 8));
    /** The output buffers of the DATA readers. */
    final BufferPool dataBuffers = new BufferPool(DataReader.BUFFER, 64, BufferPool.limitFor(DataReader.BUFFER, 16));
    /** The records and plaintext of TLS connections, held only while bytes are in them. */
    final BufferPool tlsBuffers = new BufferPool(TlsLayer.BUFFER, 64, BufferPool.limitFor(TlsLayer.BUFFER, 16));

    public ServerContext(String hostName, String softwareName, Limits limits, Sessions sessions, Pipeline pipeline,
            RecipientPolicy recipients, Authenticators authenticators, AuthGate authGate,
            Function<String, TlsProfile> tlsProfiles, ExecutorService threads, ReadTimeouts readTimeouts,
            PolicyChain policy) {
        this.policy = policy;
        this.hostName = hostName;
        this.softwareName = softwareName;
        this.limits = limits;
        this.sessions = sessions;
        this.pipeline = pipeline;
        this.recipients = recipients;
        this.authenticators = authenticators;
        this.authGate = authGate;
        this.tlsProfiles = tlsProfiles;
        this.threads = threads;
        this.readTimeouts = readTimeouts;
    }

    public Sessions sessions() {
        return sessions;
    }

    public Warnings warnings() {
        return warnings;
    }

    public ExecutorService threads() {
        return threads;
    }

    public String hostName() {
        return hostName;
    }

    /** @return the TLS profile of that name, or null while there is none */
    public TlsProfile tlsProfile(String name) {
        return name == null ? null : tlsProfiles.apply(name);
    }
}
