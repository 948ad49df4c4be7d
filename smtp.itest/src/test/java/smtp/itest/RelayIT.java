package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.delivery.api.DeliveryEvents;
import smtp.delivery.api.Envelope;
import smtp.delivery.api.MailQueue;
import smtp.delivery.api.QueuedMessageDTO;

/**
 * The relay inside the framework: MX look-ups through the JDK's DNS provider, at a dnsmasq on loopback; the
 * delivery events; the queue as a console sees it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class RelayIT extends SuiteSupport {

    @Test
    public void mxRoutingWorksInsideTheFramework() throws Exception {
        int dnsPort;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            dnsPort = probe.getLocalPort();
        }
        Path log = work.resolve("dnsmasq.log");
        Process dns = new ProcessBuilder("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + dnsPort, "--local=/test/", "--user=root",
                "--mx-host=remote.test,mail.remote.test,10", "--host-record=mail.remote.test,127.0.0.21")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await("dnsmasq", () -> Files.readString(log).contains("started") ? true : null);
            configure("smtp.delivery", "mailboxRoot", mail.toString(),
                    "localDomains", new String[] {"example.org"}, "hostName", "itest", "dnsResolver", "127.0.0.1:" + dnsPort,
                    "mxPort", freePort(), "retryIntervals", new int[] {3600});
            List<Event> events = new CopyOnWriteArrayList<>();
            Dictionary<String, Object> topics = new Hashtable<>();
            topics.put(EventConstants.EVENT_TOPIC, DeliveryEvents.TOPIC_ALL);
            context.registerService(EventHandler.class, events::add, topics);
            try (LogCapture capture = new LogCapture()) {
                startSuite();
                Envelope envelope = new Envelope();
                envelope.reversePath = "app@example.org";
                envelope.recipients = List.of("carol@remote.test", "postmaster@example.org");
                String queueId = awaitDelivery().deliver(envelope,
                        new ByteArrayInputStream("Subject: out\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
                // the MX host was found in DNS: the attempt went to its address, where nothing listens
                String line = capture.awaitLine(TIMEOUT, queueId + ": deferred for [carol@remote.test]",
                        "mail.remote.test [127.0.0.21]");
                assertNotNull(line);
                Event deferred = await("the deferred event", () -> events.stream()
                        .filter(e -> e.getTopic().equals(DeliveryEvents.DEFERRED)).findFirst().orElse(null));
                assertEquals(queueId, deferred.getProperty(DeliveryEvents.QUEUE_ID));
                assertEquals("carol@remote.test", deferred.getProperty(DeliveryEvents.RECIPIENT));
                assertEquals(1, deferred.getProperty(DeliveryEvents.ATTEMPTS));
                assertTrue((Long) deferred.getProperty(DeliveryEvents.NEXT_ATTEMPT) > System.currentTimeMillis() + 3_000_000);
                Event delivered = await("the delivered event", () -> events.stream()
                        .filter(e -> e.getTopic().equals(DeliveryEvents.DELIVERED)).findFirst().orElse(null));
                assertEquals("postmaster@example.org", delivered.getProperty(DeliveryEvents.RECIPIENT));
                assertEquals("local", delivered.getProperty(DeliveryEvents.TRANSPORT));
                // the queue as a console sees it
                MailQueue queue = context.getService(context.getServiceReference(MailQueue.class));
                QueuedMessageDTO queued = queue.get(queueId);
                assertEquals(List.of("carol@remote.test"), queued.recipients);
                assertEquals(1, queued.attempts);
                assertTrue(queued.lastError, queued.lastError.contains("mail.remote.test [127.0.0.21]"));
                assertEquals(1, queue.list().size());
                assertTrue(queue.delete(queueId));
                assertEquals(List.of(), queue.list());
            }
            assertEquals(List.of(), queued());
        } finally {
            dns.destroy();
            dns.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
