package smtp.events.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.Test;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.SessionDTO;
import smtp.server.events.SmtpEvents;

public class EventPublisherTest {

    /**
     * Records what is delivered, and on which thread; the integration tests use the real EventAdmin. Once the
     * publisher is deactivated, events are posted directly.
     */
    private final List<Event> posted = Collections.synchronizedList(new ArrayList<>());
    private final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    private final EventPublisher publisher = new EventPublisher(new EventAdmin() {
        @Override
        public void postEvent(Event event) {
            posted.add(event);
            threads.add("posted by " + Thread.currentThread().getName());
        }

        @Override
        public void sendEvent(Event event) {
            posted.add(event);
            threads.add(Thread.currentThread().getName());
        }
    });

    /** The events delivered so far, once the queue is empty: deactivation delivers what is queued. */
    private List<Event> delivered() throws InterruptedException {
        publisher.deactivate();
        return posted;
    }

    private static SessionDTO session() {
        SessionDTO session = new SessionDTO();
        session.id = "S1";
        session.clientAddress = "192.0.2.1";
        session.clientPort = 40000;
        session.localAddress = "192.0.2.2";
        session.localPort = 25;
        session.heloName = "client.test";
        return session;
    }

    @Test
    public void scanResultsBecomeAvScanEvents() throws InterruptedException {
        ScanResultDTO result = new ScanResultDTO();
        result.scanner = "clamav";
        result.verdict = ScanResultDTO.INFECTED;
        result.threat = "Eicar-Test-Signature";
        result.durationMillis = 12;
        result.queueId = "Q1";
        publisher.messageScanned(session(), result);
        Event event = delivered().get(0);
        assertEquals(SmtpEvents.AV_SCAN_RESULT, event.getTopic());
        assertEquals("clamav", event.getProperty(SmtpEvents.SCANNER));
        assertEquals("INFECTED", event.getProperty(SmtpEvents.VERDICT));
        assertEquals("Eicar-Test-Signature", event.getProperty(SmtpEvents.THREAT));
        assertEquals(12L, event.getProperty(SmtpEvents.DURATION));
        assertEquals("Q1", event.getProperty(SmtpEvents.QUEUE_ID));
        assertEquals("S1", event.getProperty(SmtpEvents.SESSION_ID));
        assertEquals(40000, event.getProperty(SmtpEvents.CLIENT_PORT));
    }

    @Test
    public void policyVerdictsBecomePolicyEventsWithTypedProperties() throws InterruptedException {
        SessionDTO session = session();
        session.binding = "mx";
        session.usage = "external";
        PolicyResultDTO result = new PolicyResultDTO();
        result.policy = "ratelimit";
        result.stage = "RCPT";
        result.action = "DEFER";
        result.reply = "451 4.7.0 Rate limit per-client exceeded";
        result.durationMillis = 3;
        result.sender = "alice@client.test";
        result.recipient = "bob@example.org";
        publisher.policyDecided(session, result);
        Event event = delivered().get(0);
        assertEquals(SmtpEvents.POLICY_VERDICT, event.getTopic());
        assertEquals("ratelimit", event.getProperty(SmtpEvents.POLICY));
        assertEquals("RCPT", event.getProperty(SmtpEvents.STAGE));
        assertEquals("DEFER", event.getProperty(SmtpEvents.ACTION));
        assertEquals("451 4.7.0 Rate limit per-client exceeded", event.getProperty(SmtpEvents.REPLY));
        assertEquals(3L, event.getProperty(SmtpEvents.DURATION));
        assertEquals("bob@example.org", event.getProperty(SmtpEvents.RECIPIENT));
        assertEquals("alice@client.test", event.getProperty(SmtpEvents.SENDER));
        assertEquals("mx", event.getProperty(SmtpEvents.BINDING));
        assertEquals("external", event.getProperty(SmtpEvents.USAGE));
        assertFalse(event.containsProperty(SmtpEvents.FAILURE));
        assertFalse(event.containsProperty(SmtpEvents.HEADERS));
        assertFalse(event.containsProperty(SmtpEvents.QUEUE_ID));
    }

    @Test
    public void absentValuesAreLeftOutNotNull() throws InterruptedException {
        SessionDTO session = session();
        session.heloName = null;
        publisher.connected(session);
        delivered();
        assertFalse(posted.get(0).containsProperty(SmtpEvents.HELO));
        assertFalse(posted.get(0).containsProperty(SmtpEvents.USER));
        assertEquals(Boolean.FALSE, posted.get(0).getProperty(SmtpEvents.TLS));
    }

    @Test
    public void afterDeactivationEventsArePostedToEventAdminDirectly() throws InterruptedException {
        publisher.connected(session());
        publisher.deactivate();
        publisher.disconnected(session());
        assertEquals(List.of(SmtpEvents.CLIENT_CONNECT, SmtpEvents.CLIENT_DISCONNECT),
                posted.stream().map(Event::getTopic).toList());
        assertEquals(List.of("smtp-events", "posted by " + Thread.currentThread().getName()), threads);
    }
}
