package smtp.webconsole.internal;

import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Serves the SMTP page through the web console this framework has: web console 5
 * ({@link SmtpPage}, Jakarta servlet) where its plugin API is wired to this
 * bundle, else web console 4 ({@link JavaxSmtpPage}, javax servlet) where the
 * javax servlet API is. Only one of them is enabled: web console 5 would take a
 * javax plugin too (through its bridge), and two pages would share one label.
 */
@Component
public final class ConsolePages {

    static final String WEB_CONSOLE_5 = "org.apache.felix.webconsole.servlet";
    static final String JAVAX_SERVLET = "javax.servlet";

    @Activate
    void activate(ComponentContext context) {
        BundleWiring wiring = context.getBundleContext().getBundle().adapt(BundleWiring.class);
        if (Wiring.imports(wiring, WEB_CONSOLE_5)) {
            context.enableComponent(SmtpPage.class.getName());
        } else if (Wiring.imports(wiring, JAVAX_SERVLET)) {
            context.enableComponent(JavaxSmtpPage.class.getName());
        }
    }
}
