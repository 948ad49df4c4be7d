package smtp.metrics.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.delivery.api.DeliveryEvents;
import smtp.delivery.api.MailQueue;
import smtp.server.api.ListenerStatus;

/**
 * What {@link SmtpMetrics} reads and hears besides the sessions: the listener's
 * status and the queue, as they come and go, and delivery's events.
 */
@Component(service = EventHandler.class, property = EventConstants.EVENT_TOPIC + "=" + DeliveryEvents.TOPIC_ALL)
public final class Sources implements EventHandler {

    private final SmtpMetrics metrics;

    @Activate
    public Sources(@Reference SmtpMetrics metrics) {
        this.metrics = metrics;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindListener(ListenerStatus status) {
        metrics.listenerAdded(status);
    }

    void unbindListener(ListenerStatus status) {
        metrics.listenerRemoved(status);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindQueue(MailQueue queue) {
        metrics.queueAdded(queue);
    }

    void unbindQueue(MailQueue queue) {
        metrics.queueRemoved(queue);
    }

    @Override
    public void handleEvent(Event event) {
        metrics.deliveryEvent(event);
    }
}
