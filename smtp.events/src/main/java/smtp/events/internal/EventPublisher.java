package smtp.events.internal;

import java.util.HashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import smtp.eventqueue.EventQueue;
import smtp.server.spi.MessageDTO;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.SessionDTO;
import smtp.server.spi.SessionListener;
import smtp.server.events.SmtpEvents;

/**
 * A {@link SessionListener} that posts each call as an OSGi event on the topics
 * of {@link SmtpEvents}. Events are delivered asynchronously, from one thread
 * ({@link EventQueue}), in the order of the calls.
 */
@Component
public final class EventPublisher implements SessionListener {

    private final EventQueue events;

    @Activate
    public EventPublisher(@Reference EventAdmin eventAdmin) {
        this.events = new EventQueue(eventAdmin, "smtp-events");
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        events.close();
    }

    @Override
    public void connected(SessionDTO session) {
        events.post(new Event(SmtpEvents.CLIENT_CONNECT, sessionProperties(session)));
    }

    @Override
    public void disconnected(SessionDTO session) {
        events.post(new Event(SmtpEvents.CLIENT_DISCONNECT, sessionProperties(session)));
    }

    @Override
    public void messageReceived(SessionDTO session, MessageDTO message) {
        Map<String, Object> properties = sessionProperties(session);
        properties.put(SmtpEvents.QUEUE_ID, message.queueId);
        properties.put(SmtpEvents.SENDER, message.sender);
        properties.put(SmtpEvents.RECIPIENTS, message.recipients.toArray(new String[0]));
        properties.put(SmtpEvents.SIZE, message.size);
        events.post(new Event(SmtpEvents.MESSAGE_RECEIVED, properties));
    }

    @Override
    public void messageScanned(SessionDTO session, ScanResultDTO result) {
        Map<String, Object> properties = sessionProperties(session);
        properties.put(SmtpEvents.QUEUE_ID, result.queueId);
        properties.put(SmtpEvents.SCANNER, result.scanner);
        properties.put(SmtpEvents.VERDICT, result.verdict);
        putIfPresent(properties, SmtpEvents.THREAT, result.threat);
        properties.put(SmtpEvents.DURATION, result.durationMillis);
        events.post(new Event(SmtpEvents.AV_SCAN_RESULT, properties));
    }

    @Override
    public void policyDecided(SessionDTO session, PolicyResultDTO result) {
        Map<String, Object> properties = sessionProperties(session);
        properties.put(SmtpEvents.POLICY, result.policy);
        properties.put(SmtpEvents.STAGE, result.stage);
        properties.put(SmtpEvents.ACTION, result.action);
        properties.put(SmtpEvents.DURATION, result.durationMillis);
        putIfPresent(properties, SmtpEvents.REPLY, result.reply);
        putIfPresent(properties, SmtpEvents.FAILURE, result.failure);
        if (result.headers != null && result.headers.length > 0) {
            properties.put(SmtpEvents.HEADERS, result.headers.clone());
        }
        putIfPresent(properties, SmtpEvents.SENDER, result.sender);
        putIfPresent(properties, SmtpEvents.RECIPIENT, result.recipient);
        putIfPresent(properties, SmtpEvents.QUEUE_ID, result.queueId);
        events.post(new Event(SmtpEvents.POLICY_VERDICT, properties));
    }

    static Map<String, Object> sessionProperties(SessionDTO session) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(SmtpEvents.TIMESTAMP, System.currentTimeMillis());
        properties.put(SmtpEvents.SESSION_ID, session.id);
        properties.put(SmtpEvents.CLIENT_ADDRESS, session.clientAddress);
        properties.put(SmtpEvents.CLIENT_PORT, session.clientPort);
        properties.put(SmtpEvents.LOCAL_ADDRESS, session.localAddress);
        properties.put(SmtpEvents.LOCAL_PORT, session.localPort);
        properties.put(SmtpEvents.TLS, session.tls);
        putIfPresent(properties, SmtpEvents.HELO, session.heloName);
        putIfPresent(properties, SmtpEvents.USER, session.authenticatedUser);
        putIfPresent(properties, SmtpEvents.BINDING, session.binding);
        putIfPresent(properties, SmtpEvents.USAGE, session.usage);
        putIfPresent(properties, SmtpEvents.ORIGINAL_DESTINATION, session.originalDestination);
        return properties;
    }

    private static void putIfPresent(Map<String, Object> properties, String key, Object value) {
        if (value != null) {
            properties.put(key, value);
        }
    }
}
