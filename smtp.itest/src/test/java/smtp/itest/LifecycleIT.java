package smtp.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.delivery.api.Envelope;
import smtp.delivery.api.MailDelivery;
import smtp.server.events.SmtpEvents;

/** Bundles of the suite stopped, removed and brought back at runtime, while the rest keeps working. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class LifecycleIT extends SuiteSupport {

    private int port;

    private void startWithBinding() throws Exception {
        configureDelivery("bob@example.org");
        port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
    }

    private void sendOverSmtp(String subject) throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO lifecycle.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), message(subject)), 250);
        }
    }

    private static byte[] message(String subject) {
        return ("Subject: " + subject + "\r\n\r\nbody of " + subject + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Another bundle (this test) sends a message through MailDelivery alone. */
    private void sendThroughDelivery(String subject) throws Exception {
        MailDelivery delivery = awaitDelivery();
        Envelope envelope = new Envelope();
        envelope.reversePath = "app@example.org";
        envelope.recipients = List.of("bob@example.org");
        String queueId = delivery.deliver(envelope, new ByteArrayInputStream(message(subject)));
        assertTrue(queueId, queueId.matches("[A-Za-z0-9]+"));
    }

    private void assertMailboxHas(int count, String lastSubject) throws Exception {
        List<Path> messages = awaitMessages("bob@example.org", count);
        assertEquals(count, messages.size());
        byte[] expected = message(lastSubject);
        boolean found = false;
        for (Path message : messages) {
            byte[] stored = Files.readAllBytes(message);
            found |= stored.length >= expected.length
                    && Arrays.equals(expected, Arrays.copyOfRange(stored, stored.length - expected.length, stored.length));
        }
        assertTrue("a message ending with the body of " + lastSubject, found);
    }

    @Test
    public void stoppingTheListenerLeavesDeliveryRunning() throws Exception {
        startWithBinding();
        sendOverSmtp("one");
        assertMailboxHas(1, "one");

        installedBundle("smtp.server").stop();
        awaitClosed("127.0.0.1", port);
        sendThroughDelivery("two");
        assertMailboxHas(2, "two");

        installedBundle("smtp.server").start();
        awaitListening("127.0.0.1", port);
        sendOverSmtp("three");
        assertMailboxHas(3, "three");
    }

    @Test
    public void uninstallingAndReinstallingTheListener() throws Exception {
        startWithBinding();
        installedBundle("smtp.server").uninstall();
        awaitClosed("127.0.0.1", port);
        sendThroughDelivery("while uninstalled");
        assertMailboxHas(1, "while uninstalled");

        Bundle server = reinstall("smtp.server");
        server.start();
        awaitListening("127.0.0.1", port);
        sendOverSmtp("after reinstall");
        assertMailboxHas(2, "after reinstall");
    }

    @Test
    public void withoutTheEventsBundleMailFlowsAndNoEventIsPosted() throws Exception {
        List<Event> events = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, SmtpEvents.TOPIC_ALL);
        context.registerService(EventHandler.class, events::add, topics);
        startWithBinding();
        sendOverSmtp("with events");
        assertMailboxHas(1, "with events");
        // the mail is in the mailbox before its 250, so the session may still be open here; wait for its end
        // (not for that of a connection that only checked the port)
        await("the events of the first session", () -> events.stream()
                .anyMatch(e -> e.getTopic().equals(SmtpEvents.CLIENT_DISCONNECT)
                        && "lifecycle.test".equals(e.getProperty(SmtpEvents.HELO))) ? true : null);

        installedBundle("smtp.events").uninstall();
        events.clear();
        sendOverSmtp("without events");
        assertMailboxHas(2, "without events");
        // the delivery service posts its own events (smtp/delivery/*); the session events are gone
        assertEquals(List.of(), events.stream().filter(e -> !e.getTopic().startsWith("smtp/delivery/")).toList());

        reinstall("smtp.events").start();
        // events reach handlers asynchronously, so one may arrive after the check that follows its message;
        // the list is not cleared in between: every session event in it is from the publisher that came back
        events.clear();
        await("the events publisher to come back", () -> {
            if (events.stream().anyMatch(e -> e.getTopic().equals(SmtpEvents.MESSAGE_RECEIVED))) {
                return true;
            }
            sendOverSmtp("events again");
            return null;
        });
    }

    @Test
    public void withoutDeliveryTheServerAnswers451AndStoresNothing() throws Exception {
        startWithBinding();
        installedBundle("smtp.delivery").stop();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO lifecycle.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.Reply refused = client.command("RCPT TO:<bob@example.org>");
            assertEquals(refused.toString(), 451, refused.code);
            assertTrue(refused.text(), refused.text().startsWith("4.3.0 "));
        }
        assertEquals(List.of(), queued());
        assertEquals(List.of(), files(mailbox("bob@example.org")));

        installedBundle("smtp.delivery").start();
        await("delivery back", () -> {
            try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
                SmtpClient.expect(client.command("EHLO lifecycle.test"), 250);
                SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
                return client.command("RCPT TO:<bob@example.org>").code == 250 ? true : null;
            }
        });
        sendOverSmtp("after restart");
        assertMailboxHas(1, "after restart");
    }

    @Test
    public void deliveryGoneDuringTheTransactionGives451AtTheEndOfData() throws Exception {
        startWithBinding();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO lifecycle.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            installedBundle("smtp.delivery").stop();
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(SmtpClient.dataOf(message("lost in transit")));
            SmtpClient.Reply reply = client.read();
            assertEquals(reply.toString(), 451, reply.code);
            // the session is still usable
            assertEquals("250 2.0.0 Ok", client.command("NOOP").toString());
        }
        assertEquals(List.of(), queued());
        assertArrayEquals(new Path[0], files(mailbox("bob@example.org")).toArray(new Path[0]));
    }
}
