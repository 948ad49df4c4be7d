package smtp.server.internal.listener;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import smtp.delivery.api.MailDelivery;
import smtp.server.internal.auth.AuthGate;
import smtp.server.internal.auth.Authenticators;
import smtp.server.internal.endpoint.InterfaceUsage;
import smtp.server.internal.message.Pipeline;
import smtp.server.internal.message.RecipientPolicy;
import smtp.server.internal.policy.Policies;
import smtp.server.internal.policy.PolicyChain;
import smtp.server.internal.net.Network;
import smtp.server.internal.protocol.ReadTimeouts;
import smtp.server.internal.protocol.ServerContext;
import smtp.server.internal.session.Counters;
import smtp.server.internal.session.Errors;
import smtp.server.internal.session.Sessions;
import smtp.server.spi.SessionListener;

/**
 * What a {@value SmtpListener#PID} configuration builds: the interface usage
 * rules, and the context its sessions share.
 */
record Configured(InterfaceUsage usages, ServerContext context) {

    /** The heap one connection is given when the maximum number of connections fits the heap. */
    static final long HEAP_PER_CONNECTION = 256 * 1024;

    /** What the configured parts are built with: the listener's services and whiteboards. */
    record Parts(String softwareName, List<SessionListener> listeners, Supplier<MailDelivery> delivery, Policies policies,
            Authenticators authenticators, TlsProfiles profiles, ScheduledExecutorService deadlines, Counters counters,
            ExecutorService threads, ReadTimeouts readTimeouts) {}

    /**
     * @throws IllegalArgumentException if the configuration is not valid, with what to fix
     * @throws UnknownHostException if no host name is configured and this machine's cannot be found
     */
    static Configured of(ServerConfiguration config, Parts parts) throws UnknownHostException {
        Binding.checkPort(config.port(), SmtpListener.PID);
        InterfaceUsage usages = new InterfaceUsage(config.interfaceUsage());
        List<Network> relayNetworks = Network.parseAll(config.relayNetworks(), "relay network");
        String hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName().trim();
        if (!hostName.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("hostName '" + hostName + "' is not a host name");
        }
        Sessions sessions = new Sessions(parts.listeners(), new Sessions.Limits(maxConnections(config),
                config.maxConnectionsPerClient(), config.sessionDeadline()), parts.deadlines(), parts.counters());
        PolicyChain policy = new PolicyChain(parts.policies(), parts.threads(), hostName);
        Pipeline pipeline = new Pipeline(new Pipeline.Settings(hostName, parts.softwareName(), config.maxMessageSize(),
                config.maxHops(), Paths.get(config.scanDirectory()).toAbsolutePath(),
                Paths.get(config.quarantineDirectory()).toAbsolutePath()), parts.delivery(), policy, sessions);
        AuthGate authGate = new AuthGate(new AuthGate.Policy(config.authFailureDelay(), config.authFailureDelayMax(),
                config.maxAuthChecks() > 0 ? config.maxAuthChecks() : AuthGate.defaultMaxChecks(), 10_000),
                System::currentTimeMillis);
        ServerContext.Limits limits = new ServerContext.Limits(config.maxMessageSize(), config.maxRecipients(),
                config.maxMessagesPerConnection(), config.idleTimeout() * 1000L, config.minDataRate(),
                new Errors.Policy(config.maxBadCommands(), config.maxUnknownRecipients(), config.errorDelay(),
                        config.errorDelayMax()));
        return new Configured(usages, new ServerContext(hostName, parts.softwareName(), limits, sessions, pipeline,
                new RecipientPolicy(parts.delivery(), relayNetworks), parts.authenticators(), authGate,
                parts.profiles()::get, parts.threads(), parts.readTimeouts(), policy));
    }

    /** @return the configured maximum, or as many connections as fit the heap */
    static int maxConnections(ServerConfiguration config) {
        if (config.maxConnections() > 0) {
            return config.maxConnections();
        }
        long fit = Runtime.getRuntime().maxMemory() / HEAP_PER_CONNECTION;
        return (int) Math.max(100, Math.min(10_000, fit));
    }
}
