package smtp.webconsole.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.delivery.api.DeliveryEvents;
import smtp.server.events.SmtpEvents;

/**
 * Keeps the latest events of the suite for the console: the listener's
 * (ClientConnect, MessageReceived, ...) and delivery's (Delivered, Deferred,
 * Bounced), {@value #KEPT} of each, newest first.
 */
@Component(service = {EventHandler.class, RecentEvents.class},
        property = EventConstants.EVENT_TOPIC + "=" + SmtpEvents.TOPIC_ALL)
public final class RecentEvents implements EventHandler {

    static final int KEPT = 50;
    private static final String DELIVERY_PREFIX = DeliveryEvents.TOPIC_ALL.substring(0, DeliveryEvents.TOPIC_ALL.length() - 1);

    /**
     * One event as it came: its properties are sorted for the page only when the page is shown, not for each of the
     * events a message brings, which the next fifty push out.
     */
    record Entry(Event event, long arrived) {

        /** @return when it happened: its timestamp, or when it came */
        long time() {
            return event.getProperty(SmtpEvents.TIMESTAMP) instanceof Long stamp ? stamp : arrived;
        }

        /** @return its topic without the "smtp/" prefix */
        String topic() {
            return event.getTopic().substring(SmtpEvents.TOPIC_PREFIX.length());
        }

        /** @return its properties but the topic, by name */
        Map<String, Object> properties() {
            Map<String, Object> properties = new TreeMap<>();
            for (String name : event.getPropertyNames()) {
                if (!name.equals(EventConstants.EVENT_TOPIC)) {
                    properties.put(name, event.getProperty(name));
                }
            }
            return properties;
        }
    }

    private final Deque<Entry> listener = new ArrayDeque<>();
    private final Deque<Entry> delivery = new ArrayDeque<>();

    @Override
    public void handleEvent(Event event) { // an Event's properties cannot change: it is kept as it is
        Entry entry = new Entry(event, System.currentTimeMillis());
        Deque<Entry> kept = event.getTopic().startsWith(DELIVERY_PREFIX) ? delivery : listener;
        synchronized (kept) {
            kept.addFirst(entry);
            if (kept.size() > KEPT) {
                kept.removeLast();
            }
        }
    }

    /** @return the listener's latest events, newest first */
    List<Entry> listenerEvents() {
        synchronized (listener) {
            return new ArrayList<>(listener);
        }
    }

    /** @return delivery's latest events, newest first */
    List<Entry> deliveryEvents() {
        synchronized (delivery) {
            return new ArrayList<>(delivery);
        }
    }
}
