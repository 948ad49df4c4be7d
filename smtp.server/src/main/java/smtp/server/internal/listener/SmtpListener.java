package smtp.server.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Paths;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
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
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

import smtp.delivery.api.MailDelivery;
import smtp.server.api.Authenticator;
import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;
import smtp.server.api.MessageScanner;
import smtp.server.api.Scanner;
import smtp.server.api.SessionDTO;
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
@Component(configurationPid = SmtpListener.PID, immediate = true,
        service = {ConfigurationListener.class, ListenerStatus.class})
@Designate(ocd = ServerConfiguration.class)
public final class SmtpListener implements ConfigurationListener, ListenerStatus {

    static final String PID = "smtp.server";
    static final String PRODUCT = "SMTP Suite";
    /** Connections the kernel queues for accept: a burst of clients waits there instead of being dropped. */
    static final int BACKLOG = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(SmtpListener.class);

    private final ConfigurationAdmin configurationAdmin;
    private final ServiceComponentRuntime componentRuntime;
    private final String softwareName;
    /** Counted across configuration changes, from activation on. */
    private final Counters counters = new Counters();
    /** The configuration and what is built from it; replaced on the reconciler thread when it changes. */
    private volatile ServerConfiguration config;
    private volatile InterfaceUsage usages;
    private volatile ServerContext context;
    private final ScheduledExecutorService deadlines = sessionDeadlines();
    private final Set<Binding> bindings = ConcurrentHashMap.newKeySet();
    /** Touched by the reconciler thread only (and by {@link #deactivate()} once it has stopped). */
    private final Map<InetSocketAddress, Running> running = new LinkedHashMap<>();
    /**
     * Every reconcile runs here, one at a time, holding no lock while it asks ConfigAdmin or starts and
     * stops servers: the DS and ConfigAdmin callbacks only record what changed and ask for a reconcile,
     * so that they never wait for each other.
     */
    private final ExecutorService reconciler = Executors.newSingleThreadExecutor(r -> new Thread(r, "smtp-listener"));
    /** Drains retired endpoints, each on its own thread, so that reconciles never wait for sessions. */
    private final ExecutorService drainer = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "smtp-drain");
        thread.setDaemon(true);
        return thread;
    });
    /** The endpoints as the last reconcile left them. */
    private volatile List<EndpointDTO> reconciled = List.of();
    /** Retired endpoints whose sessions are finishing. */
    private final Map<SMTPServer, Draining> draining = new ConcurrentHashMap<>();
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

    /** A started endpoint, what it was started with, and how it is reported. */
    private record Running(SMTPServer server, EndpointSettings settings, ServerContext context, ListeningSocket socket,
            EndpointDTO status) {}

    /** A retired endpoint whose sessions are finishing. */
    private record Draining(EndpointDTO status, Sessions sessions) {}

    /** What a configuration builds: the interface usage rules and the context sessions share. */
    private record Built(InterfaceUsage usages, ServerContext context) {}

    /** An endpoint a binding wants. */
    private record Wanted(Binding binding, EndpointSettings settings) {}

    /** An endpoint that could not be started, and why. */
    private static final class StartFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StartFailure(String reason) {
            super(reason, null, false, false);
        }
    }

    @Activate
    public SmtpListener(ServerConfiguration config, BundleContext bundleContext,
            @Reference(name = "configurationAdmin") ConfigurationAdmin configurationAdmin,
            @Reference(name = "componentRuntime") ServiceComponentRuntime componentRuntime) {
        this.configurationAdmin = configurationAdmin;
        this.componentRuntime = componentRuntime;
        Version version = bundleContext.getBundle().getVersion();
        this.softwareName = PRODUCT + " " + version.getMajor() + "." + version.getMinor() + "." + version.getMicro();
        Built built = build(config);
        this.config = config;
        this.usages = built.usages();
        this.context = built.context();
    }

    /**
     * @return what the configuration builds
     * @throws IllegalArgumentException if it is not valid, after logging what to fix
     */
    private Built build(ServerConfiguration config) {
        List<Network> relayNetworks = new ArrayList<>();
        InterfaceUsage usages;
        String hostName;
        try {
            Binding.checkPort(config.port(), PID);
            usages = new InterfaceUsage(config.interfaceUsage());
            for (String network : config.relayNetworks()) {
                try {
                    relayNetworks.add(Network.parse(network));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("relay network " + e.getMessage());
                }
            }
            hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName().trim();
        } catch (IllegalArgumentException | UnknownHostException e) {
            LOG.error("SMTP server not started: {}. Fix the {} configuration.", e.getMessage(), PID);
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        BadCommands badCommands = new BadCommands(config.maxBadCommands());
        Sessions sessions = new Sessions(listeners, new Sessions.Limits(config.maxConnections(),
                config.maxConnectionsPerClient(), config.sessionDeadline()), badCommands, deadlines, counters);
        return new Built(usages, new ServerContext(hostName, softwareName,
                config.maxMessageSize(), config.maxRecipients(), sessions, () -> delivery, profiles::get, authenticators,
                new AuthFailures(config.authFailureDelay(), config.authFailureDelayMax(), System::currentTimeMillis),
                relayNetworks, badCommands, config.maxMessagesPerConnection(), config.maxHops(), scanners,
                Paths.get(config.scanDirectory()).toAbsolutePath(), Paths.get(config.quarantineDirectory()).toAbsolutePath()));
    }

    /**
     * A changed configuration. Switching the server on or off, or changing the drain grace period, keeps
     * the endpoints that stay; any other change drains every endpoint and starts them anew with the new
     * settings. A configuration that is not valid is refused, and the server goes on as it was.
     */
    @Modified
    void modified(ServerConfiguration changed) {
        Built built;
        try {
            built = build(changed);
        } catch (IllegalArgumentException e) {
            LOG.error("The SMTP server keeps its previous {} configuration until this one is fixed", PID);
            return;
        }
        try {
            reconciler.execute(() -> {
                boolean settingsChanged = !settingsOf(config).equals(settingsOf(changed));
                config = changed;
                if (settingsChanged) {
                    running.forEach(this::retire);
                    running.clear();
                    usages = built.usages();
                    context = built.context();
                }
                reconcile();
            });
        } catch (RejectedExecutionException stopping) {
            // deactivated
        }
    }

    /** @return every setting of the configuration but the switches (enabled, drainGracePeriod), comparable */
    static List<Object> settingsOf(ServerConfiguration config) {
        List<Object> settings = new ArrayList<>();
        for (Method attribute : ServerConfiguration.class.getDeclaredMethods()) {
            if (attribute.getParameterCount() > 0 || attribute.getName().equals("enabled")
                    || attribute.getName().equals("drainGracePeriod")) {
                continue;
            }
            try {
                Object value = attribute.invoke(config);
                settings.add(attribute.getName() + "=" + (value instanceof Object[] array ? List.of(array) : value));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + attribute.getName() + " of the configuration", e);
            }
        }
        settings.sort(Comparator.comparing(Object::toString));
        return settings;
    }

    /**
     * @return the timer of the session deadlines; a deadline cancelled when its session ends leaves the
     *         queue at once (it would otherwise stay there until it was due, one per connection)
     */
    static ScheduledExecutorService sessionDeadlines() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "smtp-session-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
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
        running.forEach(this::retire);
        running.clear();
        drainer.shutdown();
        if (!drainer.awaitTermination(config.drainGracePeriod() + 10L, TimeUnit.SECONDS)) {
            drainer.shutdownNow(); // each drain stops its server when interrupted
            drainer.awaitTermination(10, TimeUnit.SECONDS);
        }
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
     * Brings the running servers in line with the bindings: drains what is no longer wanted, then starts
     * what is new. Runs on the reconciler thread.
     */
    private void reconcile() {
        if (!active) {
            return;
        }
        List<EndpointDTO> status = new ArrayList<>();
        Map<InetSocketAddress, Wanted> wanted = wantedEndpoints(status);
        running.entrySet().removeIf(endpoint -> {
            Wanted still = wanted.get(endpoint.getKey());
            if (still != null && endpoint.getValue().settings().equals(still.settings())) {
                return false;
            }
            retire(endpoint.getKey(), endpoint.getValue());
            return true;
        });
        wanted.forEach((endpoint, want) -> {
            EndpointDTO dto = endpointStatus(want.binding(), endpoint.getAddress(), EndpointDTO.LISTENING, null);
            if (!running.containsKey(endpoint)) {
                try {
                    running.put(endpoint, start(endpoint, want.settings(), dto));
                } catch (StartFailure e) {
                    dto.state = EndpointDTO.FAILED;
                    dto.reason = e.getMessage();
                }
            }
            status.add(dto);
        });
        reconciled = List.copyOf(status);
        if (!config.enabled()) {
            LOG.info("SMTP server is disabled ({} enabled=false): not listening", PID);
        }
    }

    /**
     * @param status receives an entry for each endpoint or binding that will not listen, and why
     * @return the endpoints to listen on
     */
    private Map<InetSocketAddress, Wanted> wantedEndpoints(List<EndpointDTO> status) {
        Map<InetSocketAddress, Wanted> wanted = new LinkedHashMap<>();
        Set<Binding> current = bindings.isEmpty() && !bindingsConfigured()
                ? Set.of(new Binding(Usage.INTERNAL, config.port())) : Set.copyOf(bindings);
        for (Binding binding : current) {
            if (!config.enabled() || !binding.enabled()) {
                status.add(endpointStatus(binding, null, EndpointDTO.DISABLED, config.enabled()
                        ? "the binding is disabled (enabled=false in " + binding.pid() + ")"
                        : "the server is disabled (enabled=false in " + PID + ")"));
                continue;
            }
            try {
                List<InetAddress> addresses = binding.addresses(usages);
                if (addresses.isEmpty()) {
                    LOG.warn("SMTP binding {} covers no local address now", binding);
                    status.add(endpointStatus(binding, null, EndpointDTO.WAITING, "it covers no local address now"));
                }
                Map<InetAddress, String> local = InterfaceUsage.localAddresses();
                for (InetAddress address : addresses) {
                    String nic = local.get(address);
                    Usage usage = nic == null ? InterfaceUsage.defaultUsage(address) : usages.usageOf(nic, address);
                    EndpointSettings settings = binding.settings(usage);
                    if (settings.tlsMode() == TlsMode.IMPLICIT && profiles.get(settings.tlsProfile()) == null) {
                        LOG.info("SMTP binding {} waits for TLS profile '{}': not listening on {} until it is there",
                                binding, settings.tlsProfile(), address.getHostAddress());
                        status.add(endpointStatus(binding, address, EndpointDTO.WAITING,
                                "waiting for TLS profile '" + settings.tlsProfile() + "'"));
                        continue;
                    }
                    wanted.put(new InetSocketAddress(address, binding.port()), new Wanted(binding, settings));
                }
            } catch (SocketException | UnknownHostException | RuntimeException e) {
                LOG.error("SMTP binding {} not started: cannot list its addresses: {}", binding, e.toString());
                status.add(endpointStatus(binding, null, EndpointDTO.FAILED, "cannot list its addresses: " + e));
            }
        }
        return wanted;
    }

    private static EndpointDTO endpointStatus(Binding binding, InetAddress address, String state, String reason) {
        EndpointDTO dto = new EndpointDTO();
        dto.binding = binding.pid();
        dto.description = binding.toString();
        dto.address = address == null ? null : address.getHostAddress();
        dto.port = binding.port();
        dto.tlsMode = binding.tlsMode().toString();
        dto.state = state;
        dto.reason = reason;
        return dto;
    }

    /**
     * Retires a started endpoint: its port closes now; its sessions may finish their messages within the
     * drain grace period, on a drainer thread, and then the server stops.
     */
    private void retire(InetSocketAddress endpoint, Running retired) {
        SMTPServer server = retired.server();
        Sessions sessions = retired.context().sessions;
        try {
            retired.socket().drain();
        } catch (IOException e) {
            LOG.warn("Closing the port of {} failed: {}", describe(endpoint), e.toString());
        }
        sessions.drain(server);
        int open = sessions.count(server);
        if (open == 0 || config.drainGracePeriod() == 0) {
            stop(endpoint, server, sessions);
            return;
        }
        LOG.info("SMTP server on {} closed its port; its {} session(s) may finish within {} s", describe(endpoint),
                open, config.drainGracePeriod());
        EndpointDTO dto = copy(retired.status());
        dto.state = EndpointDTO.DRAINING;
        dto.reason = "closed; finishing its sessions";
        draining.put(server, new Draining(dto, sessions));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.drainGracePeriod());
        try {
            drainer.execute(() -> {
                try {
                    while (sessions.count(server) > 0 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    int left = sessions.count(server);
                    if (left > 0) {
                        LOG.info("SMTP server on {}: closing {} session(s) still open after the drain grace period",
                                describe(endpoint), left);
                    }
                    stop(endpoint, server, sessions);
                }
            });
        } catch (RejectedExecutionException stopping) {
            stop(endpoint, server, sessions);
        }
    }

    private void stop(InetSocketAddress endpoint, SMTPServer server, Sessions sessions) {
        server.stop();
        sessions.drained(server);
        draining.remove(server);
        LOG.info("SMTP server on {} stopped", describe(endpoint));
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public List<EndpointDTO> endpoints() {
        List<EndpointDTO> all = new ArrayList<>();
        for (EndpointDTO dto : reconciled) {
            all.add(copy(dto));
        }
        all.addAll(failedBindings());
        List<SessionDTO> sessions = context.sessions.snapshots();
        for (EndpointDTO dto : all) {
            if (dto.address != null && !EndpointDTO.DISABLED.equals(dto.state)) {
                dto.sessions = (int) sessions.stream()
                        .filter(session -> dto.port == session.localPort && sameAddress(dto.address, session.localAddress))
                        .count();
            }
        }
        draining.forEach((server, retired) -> {
            EndpointDTO dto = copy(retired.status());
            dto.sessions = retired.sessions().count(server);
            all.add(dto);
        });
        return all;
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b)); // literals: no lookup
        } catch (UnknownHostException e) {
            return a.equals(b);
        }
    }

    /** @return a failed entry for each binding configuration whose component could not activate */
    private List<EndpointDTO> failedBindings() {
        List<EndpointDTO> failed = new ArrayList<>();
        ComponentDescriptionDTO description = componentRuntime.getComponentDescriptionDTO(
                FrameworkUtil.getBundle(Binding.class), Binding.class.getName());
        if (description == null) {
            return failed;
        }
        for (ComponentConfigurationDTO component : componentRuntime.getComponentConfigurationDTOs(description)) {
            if (component.state != ComponentConfigurationDTO.FAILED_ACTIVATION) {
                continue;
            }
            EndpointDTO dto = new EndpointDTO();
            dto.binding = String.valueOf(component.properties.get(Constants.SERVICE_PID));
            dto.description = "binding " + dto.binding;
            dto.port = component.properties.get("port") instanceof Number port ? port.intValue() : 0;
            Object tlsMode = component.properties.get("tlsMode");
            dto.tlsMode = tlsMode == null ? TlsMode.NONE.toString() : tlsMode.toString();
            dto.state = EndpointDTO.FAILED;
            dto.reason = bindingFailure(component.failure);
            failed.add(dto);
        }
        return failed;
    }

    /** @return the reason the Binding constructor gave, from the stack trace SCR keeps */
    static String bindingFailure(String failure) {
        if (failure == null) {
            return "the configuration was not accepted";
        }
        String marker = "bad " + Binding.FACTORY_PID + " configuration: ";
        int at = failure.indexOf(marker);
        if (at < 0) {
            return failure.lines().findFirst().orElse(failure);
        }
        int end = failure.indexOf('\n', at);
        return failure.substring(at + marker.length(), end < 0 ? failure.length() : end).trim();
    }

    private static EndpointDTO copy(EndpointDTO source) {
        EndpointDTO dto = new EndpointDTO();
        dto.binding = source.binding;
        dto.description = source.description;
        dto.address = source.address;
        dto.port = source.port;
        dto.tlsMode = source.tlsMode;
        dto.state = source.state;
        dto.reason = source.reason;
        dto.sessions = source.sessions;
        return dto;
    }

    @Override
    public List<SessionDTO> sessions() {
        Set<Sessions> all = new LinkedHashSet<>();
        all.add(context.sessions);
        draining.values().forEach(retired -> all.add(retired.sessions()));
        List<SessionDTO> snapshots = new ArrayList<>();
        all.forEach(sessions -> snapshots.addAll(sessions.snapshots()));
        snapshots.sort(Comparator.comparingLong((SessionDTO dto) -> dto.startedAt));
        return snapshots;
    }

    @Override
    public CountersDTO counters() {
        return counters.snapshot();
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

    private Running start(InetSocketAddress endpoint, EndpointSettings settings, EndpointDTO status) throws StartFailure {
        ServerContext context = this.context;
        ListeningSocket[] socket = new ListeningSocket[1];
        SMTPServer server = SMTPServer.port(endpoint.getPort())
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
                .serverThreadName("smtp-listener " + describe(endpoint))
                .serverSocketFactory(() -> socket[0] = new ListeningSocket(settings.tlsMode() == TlsMode.IMPLICIT
                        ? () -> context.tlsProfile(settings.tlsProfile()) : null))
                .executorService(config.virtualThreads() ? SessionThreads.virtualOrPooled() : SessionThreads.pooled())
                .backlog(BACKLOG)
                .build();
        SessionCommands.install(server.getCommandHandler(), context, settings);
        try {
            server.start();
        } catch (RuntimeException e) {
            throw new StartFailure(logBindFailure(endpoint, e.getCause() instanceof IOException io ? io : null, e));
        }
        LOG.info("SMTP server listening on {} ({})", describe(endpoint), settings);
        return new Running(server, settings, context, socket[0], status);
    }

    /** @return the reason, for the status */
    private static String logBindFailure(InetSocketAddress endpoint, IOException cause, RuntimeException e) {
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
        return reason;
    }

    static String describe(InetSocketAddress endpoint) {
        String host = endpoint.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + endpoint.getPort();
    }
}
