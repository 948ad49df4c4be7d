package smtp.server.internal.listener;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the framework in order when the JVM is asked to end (SIGTERM, Ctrl-C):
 * the listener closes its ports and drains its sessions, delivery finishes what
 * it is writing, and every bundle stops, before the JVM exits. A launcher that
 * does not do this itself (the exported app's) would otherwise end the process
 * with the bundles still running. The hook waits for the stop at most
 * {@value #WAIT_SECONDS} seconds; a container that stops the framework itself
 * on SIGTERM only sees a second, harmless stop request. It lives in the
 * listener's bundle so that it is in place as soon as the listener is.
 */
@Component(immediate = true, service = {})
public final class OrderlyShutdown {

    static final int WAIT_SECONDS = 60;
    private static final Logger LOG = LoggerFactory.getLogger(OrderlyShutdown.class);

    private final Thread hook;

    @Activate
    public OrderlyShutdown(BundleContext context) {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        this.hook = new Thread(() -> stop(system), "smtp-orderly-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private static void stop(Bundle system) {
        if ((system.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
            return;
        }
        LOG.info("Asked to shut down: stopping the framework in order");
        try {
            system.stop();
            if (system instanceof Framework framework) {
                framework.waitForStop(WAIT_SECONDS * 1000L);
            }
        } catch (BundleException | InterruptedException | RuntimeException e) {
            LOG.warn("Stopping the framework failed: {}", e.toString());
        }
    }

    @Deactivate
    void deactivate() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it is what stops us
        }
    }
}
