package smtp.webconsole.internal;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import smtp.server.api.ListenerStatus;

/** Health of the SMTP listener as a whole: every endpoint of every binding. */
@Component(property = {HealthCheck.NAME + "=SMTP listener", HealthCheck.TAGS + "=smtp",
        HealthCheck.TAGS + "=smtp.listener"})
public final class ListenerHealthCheck implements HealthCheck {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ListenerStatus status;

    @Override
    public Result execute() {
        return Health.listener(status);
    }
}
