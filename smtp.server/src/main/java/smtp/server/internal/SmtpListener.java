package smtp.server.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

import smtp.delivery.api.MailDelivery;
import smtp.server.api.Authenticator;
import smtp.server.api.MessageScanner;
import smtp.server.api.Scanner;
import smtp.server.api.SessionListener;
import smtp.server.api.TlsProfile;

/**
 * The SMTP listener ({@value #PID}). It keeps one SubEthaSMTP server per local
 * address and port that the bindings cover, starting and stopping them as
 * bindings come and go. With no binding configured (no {@value Binding#FACTORY_PID}
 * configuration at all, valid or not) it covers every Internal address on the
 * configured port. It listens to configuration events to notice bindings that
 * are created but fail their checks. A port that cannot be bound is logged with
 * the fix and skipped; the other endpoints still serve.
 */
@Component(configurationPid = SmtpListener.PID, immediate = true, service = ConfigurationListener.class)
@Designate(ocd = ServerConfiguration.class)
public final class SmtpListener implements ConfigurationListener {

    static final String PID = "smtp.server";
    static final String PRODUCT = "SMTP Suite";

    private static final Logger LOG = LoggerFactory.getLogger(SmtpListener.class);

    private final ServerConfiguration config;
    private final ConfigurationAdmin configurationAdmin;
    private final InterfaceUsage usages;
    private final ServerContext context;
    private final List<Network> relayNetworks = new ArrayList<>();
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "smtp-session-deadlines");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Binding> bindings = ConcurrentHashMap.newKeySet();
    /** Touched by the reconciler thread only (and by {@link #deactivate()} once it has stopped). */
    private final Map<InetSocketAddress, Running> running = new LinkedHashMap<>();
    /**
     * Every reconcile runs here, one at a time, holding no lock while it asks ConfigAdmin or starts and
     * stops servers: the DS and ConfigAdmin callbacks only record what changed and ask for a reconcile,
     * so that they never wait for each other.
     */
    private final ExecutorService reconciler = Executors.newSingleThreadExecutor(r -> new Thread(r, "smtp-listener"));
    private volatile boolean active;
    private final TlsProfiles profiles = new TlsProfiles();
    private final Authenticators authenticators = new Authenticators();
    private final Scanners scanners = new Scanners();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailDelivery delivery;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();

    /** A started endpoint and what it was started with. */
    private record Running(SMTPServer server, EndpointSettings settings) {}

    @Activate
    public SmtpListener(ServerConfiguration config, BundleContext bundleContext,
            @Reference(name = "configurationAdmin") ConfigurationAdmin configurationAdmin) throws UnknownHostException {
        try {
            Binding.checkPort(config.port(), PID);
            this.usages = new InterfaceUsage(config.interfaceUsage());
            for (String network : config.relayNetworks()) {
                try {
                    relayNetworks.add(Network.parse(network));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("relay network " + e.getMessage());
                }
            }
        } catch (IllegalArgumentException e) {
            LOG.error("SMTP server not started: {}. Fix the {} configuration.", e.getMessage(), PID);
            throw e;
        }
        this.config = config;
        this.configurationAdmin = configurationAdmin;
        BadCommands badCommands = new BadCommands(config.maxBadCommands());
        Sessions sessions = new Sessions(listeners, new Sessions.Limits(config.maxConnections(),
                config.maxConnectionsPerClient(), config.sessionDeadline()), badCommands, deadlines);
        Version version = bundleContext.getBundle().getVersion();
        String hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName().trim();
        this.context = new ServerContext(hostName,
                PRODUCT + " " + version.getMajor() + "." + version.getMinor() + "." + version.getMicro(),
                config.maxMessageSize(), config.maxRecipients(), sessions, () -> delivery, profiles::get, authenticators,
                new AuthFailures(config.authFailureDelay(), config.authFailureDelayMax(), System::currentTimeMillis),
                relayNetworks, badCommands, config.maxMessagesPerConnection(), config.maxHops(), scanners,
                Paths.get(config.scanDirectory()).toAbsolutePath(), Paths.get(config.quarantineDirectory()).toAbsolutePath());
    }

    /** Starts listening once the bindings present at activation are bound, so no implicit endpoint opens by mistake. */
    @Activate
    void start() {
        active = true;
        requestReconcile();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        active = false;
        reconciler.shutdown();
        if (!reconciler.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("SMTP listener: a reconcile is still running after 30 s");
        }
        running.values().forEach(endpoint -> endpoint.server().stop());
        running.clear();
        deadlines.shutdownNow();
    }

    private void requestReconcile() {
        try {
            reconciler.execute(this::reconcile);
        } catch (RejectedExecutionException stopping) {
            // deactivated: the endpoints are being closed
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addBinding(Binding binding) {
        bindings.add(binding);
        requestReconcile();
    }

    void removeBinding(Binding binding) {
        bindings.remove(binding);
        requestReconcile();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addTlsProfile(TlsProfile profile, Map<String, Object> properties) {
        profiles.add(profile, properties);
        requestReconcile();
    }

    void removeTlsProfile(TlsProfile profile) {
        profiles.remove(profile);
        requestReconcile();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addAuthenticator(Authenticator authenticator, Map<String, Object> properties) {
        authenticators.add(authenticator, properties);
    }

    void removeAuthenticator(Authenticator authenticator) {
        authenticators.remove(authenticator);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addScanner(MessageScanner scanner, Map<String, Object> properties) {
        scanners.add(scanner, properties);
        LOG.info("Scanner {} in use", properties.get(Scanner.PREFIX_ + "name"));
    }

    void removeScanner(MessageScanner scanner) {
        scanners.remove(scanner);
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (Binding.FACTORY_PID.equals(event.getFactoryPid())) {
            requestReconcile();
        }
    }

    /**
     * Brings the running servers in line with the bindings: stops what is no longer wanted, then starts
     * what is new. Runs on the reconciler thread.
     */
    private void reconcile() {
        if (!active) {
            return;
        }
        Map<InetSocketAddress, EndpointSettings> wanted = config.enabled() ? wantedEndpoints() : Map.of();
        running.entrySet().removeIf(endpoint -> {
            if (endpoint.getValue().settings().equals(wanted.get(endpoint.getKey()))) {
                return false;
            }
            endpoint.getValue().server().stop();
            return true;
        });
        wanted.forEach((endpoint, settings) -> {
            if (!running.containsKey(endpoint)) {
                SMTPServer server = start(endpoint, settings);
                if (server != null) {
                    running.put(endpoint, new Running(server, settings));
                }
            }
        });
        if (!config.enabled()) {
            LOG.info("SMTP server is disabled ({} enabled=false): not listening", PID);
        }
    }

    private Map<InetSocketAddress, EndpointSettings> wantedEndpoints() {
        Map<InetSocketAddress, EndpointSettings> wanted = new LinkedHashMap<>();
        Set<Binding> current = bindings.isEmpty() && !bindingsConfigured()
                ? Set.of(new Binding(Usage.INTERNAL, config.port())) : Set.copyOf(bindings);
        for (Binding binding : current) {
            try {
                List<InetAddress> addresses = binding.addresses(usages);
                if (addresses.isEmpty()) {
                    LOG.warn("SMTP binding {} covers no local address now", binding);
                }
                Map<InetAddress, String> local = InterfaceUsage.localAddresses();
                for (InetAddress address : addresses) {
                    String nic = local.get(address);
                    Usage usage = nic == null ? InterfaceUsage.defaultUsage(address) : usages.usageOf(nic, address);
                    EndpointSettings settings = binding.settings(usage);
                    if (settings.tlsMode() == TlsMode.IMPLICIT && profiles.get(settings.tlsProfile()) == null) {
                        LOG.info("SMTP binding {} waits for TLS profile '{}': not listening on {} until it is there",
                                binding, settings.tlsProfile(), address.getHostAddress());
                        continue;
                    }
                    wanted.put(new InetSocketAddress(address, binding.port()), settings);
                }
            } catch (SocketException | UnknownHostException | RuntimeException e) {
                LOG.error("SMTP binding {} not started: cannot list its addresses: {}", binding, e.toString());
            }
        }
        return wanted;
    }

    /** @return true if any binding is configured, even one that failed its checks */
    private boolean bindingsConfigured() {
        try {
            return configurationAdmin.listConfigurations(
                    "(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + Binding.FACTORY_PID + ")") != null;
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("Cannot list the {} configurations; no implicit binding", Binding.FACTORY_PID, e);
            return true;
        }
    }

    private SMTPServer start(InetSocketAddress endpoint, EndpointSettings settings) {
        SMTPServer.Builder builder = SMTPServer.port(endpoint.getPort())
                .bindAddress(endpoint.getAddress())
                .hostName(context.hostName)
                .softwareName(context.softwareName)
                .maxConnections(config.maxConnections() + 1) // a backstop: Sessions refuses first, with an enhanced code
                .connectionTimeout(config.idleTimeout(), TimeUnit.SECONDS)
                .maxRecipients(config.maxRecipients())
                .maxMessageSize(config.maxMessageSize())
                .insertReceivedHeaders(false)
                .sessionHandler(context.sessions)
                .messageHandlerFactory(messageContext -> new Transaction(context, (Session) messageContext, settings))
                .serverThreadName("smtp-listener " + describe(endpoint));
        if (settings.tlsMode() == TlsMode.IMPLICIT) {
            builder.serverSocketFactory(() -> new ImplicitTlsServerSocket(() -> context.tlsProfile(settings.tlsProfile())));
        }
        SMTPServer server = builder.build();
        SessionCommands.install(server.getCommandHandler(), context, settings);
        try {
            server.start();
        } catch (RuntimeException e) {
            logBindFailure(endpoint, e.getCause() instanceof IOException io ? io : null, e);
            return null;
        }
        LOG.info("SMTP server listening on {} ({})", describe(endpoint), settings);
        return server;
    }

    private static void logBindFailure(InetSocketAddress endpoint, IOException cause, RuntimeException e) {
        String where = describe(endpoint);
        String reason = cause == null ? String.valueOf(e.getMessage()) : String.valueOf(cause.getMessage());
        if (cause instanceof BindException && reason.contains("ermission")) {
            LOG.error("Cannot listen on {}: {}. Ports below 1024 need root or the CAP_NET_BIND_SERVICE capability "
                    + "(setcap cap_net_bind_service=+ep on the java binary); or configure a port of 1024 or more "
                    + "({} port or {} port).", where, reason, PID, Binding.FACTORY_PID);
        } else if (cause instanceof BindException) {
            LOG.error("Cannot listen on {}: {}. Another process holds the port, or the address is not on this machine: "
                    + "stop that process or configure another port or address ({} / {}).",
                    where, reason, PID, Binding.FACTORY_PID);
        } else {
            LOG.error("Cannot listen on {}: {}", where, reason, e);
        }
    }

    static String describe(InetSocketAddress endpoint) {
        String host = endpoint.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + endpoint.getPort();
    }
}
