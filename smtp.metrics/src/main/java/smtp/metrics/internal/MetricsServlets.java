package smtp.metrics.internal;

import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Serves {@code /metrics} through the servlet API this framework has: the
 * Jakarta one ({@link JakartaMetricsServlet}) where it is wired to this bundle,
 * else javax ({@link JavaxMetricsServlet}). Only one is enabled, as an HTTP
 * service that takes both (Felix HTTP) would otherwise see two servlets on one
 * path. Both take their whiteboard properties from a configuration of PID
 * {@value #PID}, where {@code osgi.http.whiteboard.servlet.pattern} may name
 * another path.
 */
@Component
public final class MetricsServlets {

    static final String PID = "smtp.metrics.http";
    static final String PATH = "/metrics";
    /** The whiteboard property names (the same in the Jakarta and the javax whiteboard). */
    static final String PATTERN = "osgi.http.whiteboard.servlet.pattern";
    static final String NAME = "osgi.http.whiteboard.servlet.name";

    @Activate
    void activate(ComponentContext context) {
        BundleWiring wiring = context.getBundleContext().getBundle().adapt(BundleWiring.class);
        if (Wiring.imports(wiring, "jakarta.servlet")) {
            context.enableComponent(JakartaMetricsServlet.class.getName());
        } else if (Wiring.imports(wiring, "javax.servlet")) {
            context.enableComponent(JavaxMetricsServlet.class.getName());
        }
    }
}
