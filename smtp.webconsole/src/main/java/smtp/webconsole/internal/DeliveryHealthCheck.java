package smtp.webconsole.internal;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import smtp.delivery.api.MailDelivery;
import smtp.delivery.api.MailQueue;

/** Health of the delivery service: running or not, whether its queue takes mail, and what waits there. */
@Component(property = {HealthCheck.NAME + "=SMTP delivery", HealthCheck.TAGS + "=smtp",
        HealthCheck.TAGS + "=smtp.delivery"})
public final class DeliveryHealthCheck implements HealthCheck {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailDelivery delivery;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailQueue queue;

    @Override
    public Result execute() {
        MailQueue current = queue;
        return Health.delivery(delivery != null, current == null ? null : current.status());
    }
}
