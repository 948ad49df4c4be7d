package smtp.webconsole.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.felix.hc.api.HealthCheck;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.api.ListenerStatus;

/**
 * One health check per configured binding ({@value Controls#BINDING_FACTORY_PID}
 * configuration), named after what it covers and tagged {@code smtp.binding}:
 * registered when the binding is configured, renamed when it changes, gone when
 * it is deleted.
 */
@Component(service = ConfigurationListener.class, immediate = true)
public final class BindingHealthChecks implements ConfigurationListener {

    private static final Logger LOG = LoggerFactory.getLogger(BindingHealthChecks.class);

    private final BundleContext context;
    private final ConfigurationAdmin configurationAdmin;
    private final Map<String, ServiceRegistration<HealthCheck>> registered = new HashMap<>();
    private final ExecutorService sync = Executors.newSingleThreadExecutor(r -> new Thread(r, "smtp-binding-health"));

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ListenerStatus status;

    @Activate
    public BindingHealthChecks(BundleContext context, @Reference(name = "configurationAdmin") ConfigurationAdmin configurationAdmin) {
        this.context = context;
        this.configurationAdmin = configurationAdmin;
        requestSync();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        sync.shutdown();
        sync.awaitTermination(10, TimeUnit.SECONDS);
        registered.values().forEach(ServiceRegistration::unregister);
        registered.clear();
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (Controls.BINDING_FACTORY_PID.equals(event.getFactoryPid())) {
            requestSync();
        }
    }

    private void requestSync() {
        try {
            sync.execute(this::sync);
        } catch (RejectedExecutionException stopping) {
            // deactivated
        }
    }

    /** Registers, renames and unregisters checks to match the binding configurations. Runs on one thread. */
    private void sync() {
        Configuration[] bindings;
        try {
            bindings = configurationAdmin.listConfigurations(
                    "(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + Controls.BINDING_FACTORY_PID + ")");
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("Cannot list the {} configurations for their health checks: {}", Controls.BINDING_FACTORY_PID, e.toString());
            return;
        }
        Set<String> present = new HashSet<>();
        for (Configuration binding : bindings == null ? new Configuration[0] : bindings) {
            String pid = binding.getPid();
            present.add(pid);
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put(HealthCheck.NAME, "SMTP binding " + BindingNames.of(pid, binding.getProperties()));
            properties.put(HealthCheck.TAGS, new String[] {"smtp", "smtp.binding"});
            properties.put("smtp.binding", pid);
            ServiceRegistration<HealthCheck> registration = registered.get(pid);
            if (registration == null) {
                registered.put(pid, context.registerService(HealthCheck.class, () -> Health.binding(status, pid), properties));
            } else {
                registration.setProperties(properties);
            }
        }
        registered.entrySet().removeIf(entry -> {
            if (present.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().unregister();
            return true;
        });
    }
}
