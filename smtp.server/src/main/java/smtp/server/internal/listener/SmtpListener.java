package smtp.server.internal.listener;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.UnknownHostException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
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
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.MailDelivery;
import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;
import smtp.server.internal.auth.Authenticators;
import smtp.server.internal.endpoint.BindingSpec;
import smtp.server.internal.endpoint.Endpoints;
import smtp.server.internal.message.ScanStep;
import smtp.server.internal.policy.Policies;
import smtp.server.internal.policy.ScannerPlugin;
import smtp.server.internal.protocol.ReadTimeouts;
import smtp.server.internal.session.Counters;
import smtp.server.internal.session.SessionThreads;
import smtp.server.internal.session.Sessions;
import smtp.server.internal.session.Usage;
import smtp.server.spi.Authenticator;
import smtp.server.spi.MessageScanner;
import smtp.server.spi.Policy;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.Scanner;
import smtp.server.spi.SessionDTO;
import smtp.server.spi.SessionListener;
import smtp.server.tls.TlsProfile;

/**
 * The SMTP listener ({@value #PID}): the Declarative Services edge. It holds
 * the configuration and the services the sessions use, and asks
 * {@link Endpoints} to follow the bindings. With no binding configured (no
 * {@value Binding#FACTORY_PID} configuration at all, valid or not) it covers
 * every Internal address on the configured port. It listens to configuration
 * events to notice bindings that are created but fail their checks.
 */
@Component(configurationPid = SmtpListener.PID, immediate = true,
        service = {ConfigurationListener.class, ListenerStatus.class})
@Designate(ocd = ServerConfiguration.class)
public final class SmtpListener implements ConfigurationListener, ListenerStatus {

    static final String PID = "smtp.server";
    static final String PRODUCT = "SMTP Suite";

    private static final Logger LOG = LoggerFactory.getLogger(SmtpListener.class);

    private final ConfigurationAdmin configurationAdmin;
    private final ServiceComponentRuntime componentRuntime;
    private final String softwareName;
    /** Counted across configuration changes, from activation on. */
    private final Counters counters = new Counters();
    private final ScheduledExecutorService deadlines = Sessions.deadlineTimer();
    private final ReadTimeouts readTimeouts = new ReadTimeouts(deadlines);
    private final ExecutorService threads;
    /** The configuration and what is built from it; replaced on the reconciler thread when it changes. */
    private volatile ServerConfiguration config;
    private volatile Configured configured;
    private final Set<Binding> bindings = ConcurrentHashMap.newKeySet();
    private final Endpoints endpoints = new Endpoints(PID);
    /**
     * Every reconcile runs here, one at a time, holding no lock while it asks ConfigAdmin or starts and
     * stops endpoints: the DS and ConfigAdmin callbacks only record what changed and ask for a reconcile,
     * so that they never wait for each other.
     */
    private final ExecutorService reconciler = Executors.newSingleThreadExecutor(r -> new Thread(r, "smtp-listener"));
    private volatile boolean active;
    private final TlsProfiles profiles = new TlsProfiles();
    private final Authenticators authenticators = new Authenticators();
    private final Policies policies = new Policies();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailDelivery delivery;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();

    @Activate
    public SmtpListener(ServerConfiguration config, BundleContext bundleContext,
            @Reference(name = "configurationAdmin") ConfigurationAdmin configurationAdmin,
            @Reference(name = "componentRuntime") ServiceComponentRuntime componentRuntime) {
        this.configurationAdmin = configurationAdmin;
        this.componentRuntime = componentRuntime;
        Version version = bundleContext.getBundle().getVersion();
        this.softwareName = PRODUCT + " " + version.getMajor() + "." + version.getMinor() + "." + version.getMicro();
        this.threads = config.virtualThreads() ? SessionThreads.virtualOrPooled() : SessionThreads.pooled();
        this.configured = build(config);
        this.config = config;
    }

    /**
     * @return what the configuration builds
     * @throws IllegalArgumentException if it is not valid, after logging what to fix
     */
    private Configured build(ServerConfiguration config) {
        try {
            return Configured.of(config, new Configured.Parts(softwareName, listeners, () -> delivery, policies,
                    authenticators, profiles, deadlines, counters, threads, readTimeouts));
        } catch (IllegalArgumentException | UnknownHostException e) {
            LOG.error("SMTP server not started: {}. Fix the {} configuration.", e.getMessage(), PID);
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * A changed configuration. Switching the server on or off, or changing the drain grace period, keeps
     * the endpoints that stay; any other change drains every endpoint and starts them anew with the new
     * settings. A configuration that is not valid is refused, and the server goes on as it was.
     */
    @Modified
    void modified(ServerConfiguration changed) {
        Configured built;
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
                    endpoints.retireAll(changed.drainGracePeriod());
                    configured = built;
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

    /** Starts listening once the bindings present at activation are bound, so no implicit endpoint opens by mistake. */
    @Activate
    void start() {
        try {
            int removed = ScanStep.removeLeftovers(Paths.get(config.scanDirectory()).toAbsolutePath());
            if (removed > 0) {
                LOG.info("Removed {} message(s) left in the scan directory by a listener that stopped without closing",
                        removed);
            }
        } catch (IOException e) {
            LOG.warn("Cannot clean the scan directory {}: {}", config.scanDirectory(), e.toString());
        }
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
        endpoints.retireAll(config.drainGracePeriod());
        endpoints.shutdown(config.drainGracePeriod());
        deadlines.shutdownNow();
        threads.shutdownNow();
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
        policies.add(ScannerPlugin.entry(scanner, properties,
                (session, result) -> configured.context().sessions().messageScanned(session, result)));
        LOG.info("Scanner {} in use", properties.get(Scanner.PREFIX_ + "name"));
    }

    void updatedScanner(MessageScanner scanner, Map<String, Object> properties) {
        removeScanner(scanner);
        addScanner(scanner, properties);
    }

    void removeScanner(MessageScanner scanner) {
        policies.remove(scanner);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addPolicy(PolicyPlugin plugin, Map<String, Object> properties) {
        policies.add(plugin, properties);
        LOG.info("Policy plugin {} in use", properties.get(Policy.PREFIX_ + "name"));
    }

    void updatedPolicy(PolicyPlugin plugin, Map<String, Object> properties) {
        policies.modified(plugin, properties);
    }

    void removePolicy(PolicyPlugin plugin) {
        policies.remove(plugin);
        LOG.info("Policy plugin {} removed", plugin);
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (Binding.FACTORY_PID.equals(event.getFactoryPid())) {
            requestReconcile();
        }
    }

    /** Brings the endpoints in line with the bindings. Runs on the reconciler thread. */
    private void reconcile() {
        if (!active) {
            return;
        }
        List<BindingSpec> current = new ArrayList<>();
        if (bindings.isEmpty() && !bindingsConfigured()) {
            current.add(BindingSpec.implicit(Usage.INTERNAL, config.port()));
        } else {
            bindings.forEach(binding -> current.add(binding.spec()));
        }
        Configured built = configured;
        endpoints.reconcile(config.enabled(), current, built.usages(), built.context(), name -> profiles.get(name) != null,
                config.drainGracePeriod());
        if (!config.enabled()) {
            LOG.info("SMTP server is disabled ({} enabled=false): not listening", PID);
        }
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

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public List<EndpointDTO> endpoints() {
        List<EndpointDTO> all = endpoints.status();
        all.addAll(BindingFailures.of(componentRuntime));
        return all;
    }

    @Override
    public List<SessionDTO> sessions() {
        Set<Sessions> all = new LinkedHashSet<>();
        all.add(configured.context().sessions());
        all.addAll(endpoints.drainingSessions());
        List<SessionDTO> snapshots = new ArrayList<>();
        all.forEach(sessions -> snapshots.addAll(sessions.snapshots()));
        snapshots.sort(Comparator.comparingLong((SessionDTO dto) -> dto.startedAt));
        return snapshots;
    }

    @Override
    public CountersDTO counters() {
        return counters.snapshot();
    }
}
