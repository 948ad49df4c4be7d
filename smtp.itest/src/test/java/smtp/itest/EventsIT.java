package smtp.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.server.events.SmtpEvents;

/** The session and message events, received by an EventHandler as any bundle would. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class EventsIT extends SuiteSupport {

    private final List<Event> events = new CopyOnWriteArrayList<>();

    private ServiceRegistration<EventHandler> subscribe() {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(EventConstants.EVENT_TOPIC, SmtpEvents.TOPIC_ALL);
        return context.registerService(EventHandler.class, events::add, properties);
    }

    /** The events of the session whose client used the given local port, once its disconnect has arrived. */
    private List<Event> sessionEvents(int clientPort) throws Exception {
        String sessionId = await("the connect event of client port " + clientPort, () -> events.stream()
                .filter(e -> e.getTopic().equals(SmtpEvents.CLIENT_CONNECT)
                        && Integer.valueOf(clientPort).equals(e.getProperty(SmtpEvents.CLIENT_PORT)))
                .map(e -> (String) e.getProperty(SmtpEvents.SESSION_ID)).findFirst().orElse(null));
        // events posted by one thread arrive in that order: every event of the session precedes its disconnect
        return await("the disconnect of session " + sessionId, () -> {
            List<Event> session = events.stream()
                    .filter(e -> sessionId.equals(e.getProperty(SmtpEvents.SESSION_ID))).toList();
            return session.get(session.size() - 1).getTopic().equals(SmtpEvents.CLIENT_DISCONNECT) ? session : null;
        });
    }

    @Test
    public void connectMessageDisconnectArriveInOrderWithTheirProperties() throws Exception {
        subscribe();
        configureDelivery("bob@example.org");
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);

        long before = System.currentTimeMillis();
        int clientPort;
        String queueId;
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            clientPort = client.localPort();
            SmtpClient.expect(client.command("EHLO events.test"), 250);
            SmtpClient.Reply reply = client.send("alice@client.test", List.of("bob@example.org", "postmaster@example.org"),
                    MailFlowIT.MESSAGE);
            SmtpClient.expect(reply, 250);
            queueId = reply.text().substring(reply.text().lastIndexOf(' ') + 1);
            SmtpClient.expect(client.command("QUIT"), 221);
        }
        List<Event> session = sessionEvents(clientPort);
        assertEquals(session.toString(), 3, session.size());
        Event connect = session.get(0);
        Event message = session.get(1);
        Event disconnect = session.get(2);
        assertEquals(SmtpEvents.CLIENT_CONNECT, connect.getTopic());
        assertEquals(SmtpEvents.MESSAGE_RECEIVED, message.getTopic());
        assertEquals(SmtpEvents.CLIENT_DISCONNECT, disconnect.getTopic());

        String sessionId = (String) connect.getProperty(SmtpEvents.SESSION_ID);
        assertNotNull(sessionId);
        for (Event event : session) {
            assertEquals(sessionId, event.getProperty(SmtpEvents.SESSION_ID));
            assertEquals("127.0.0.1", event.getProperty(SmtpEvents.CLIENT_ADDRESS));
            assertEquals(clientPort, event.getProperty(SmtpEvents.CLIENT_PORT));
            assertEquals("127.0.0.1", event.getProperty(SmtpEvents.LOCAL_ADDRESS));
            assertEquals(port, event.getProperty(SmtpEvents.LOCAL_PORT));
            assertEquals(Boolean.FALSE, event.getProperty(SmtpEvents.TLS));
            long timestamp = (Long) event.getProperty(SmtpEvents.TIMESTAMP);
            assertTrue(timestamp >= before && timestamp <= System.currentTimeMillis());
        }
        assertFalse("no HELO yet at connect", connect.containsProperty(SmtpEvents.HELO));
        assertEquals("events.test", message.getProperty(SmtpEvents.HELO));
        assertEquals("events.test", disconnect.getProperty(SmtpEvents.HELO));

        assertEquals(queueId, message.getProperty(SmtpEvents.QUEUE_ID));
        assertEquals("alice@client.test", message.getProperty(SmtpEvents.SENDER));
        assertArrayEquals(new String[] {"bob@example.org", "postmaster@example.org"},
                (String[]) message.getProperty(SmtpEvents.RECIPIENTS));
        assertEquals((long) MailFlowIT.MESSAGE.length, message.getProperty(SmtpEvents.SIZE));

        Path stored = awaitMessages("bob@example.org", 1).get(0);
        assertTrue(stored.getFileName().toString().endsWith("." + queueId));
    }

    @Test
    public void refusedMessageGivesNoMessageEvent() throws Exception {
        subscribe();
        configureDelivery("bob@example.org");
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        int clientPort;
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            clientPort = client.localPort();
            SmtpClient.expect(client.command("EHLO events.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<nobody@example.org>"), 550);
            SmtpClient.expect(client.command("QUIT"), 221);
        }
        assertEquals(List.of(SmtpEvents.CLIENT_CONNECT, SmtpEvents.CLIENT_DISCONNECT),
                sessionEvents(clientPort).stream().map(Event::getTopic).toList());
    }
}
