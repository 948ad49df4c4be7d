package smtp.fleet;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * Three instances of the application (separate JVMs) on one queue, held by a replicated primary/backup pair of
 * Artemis brokers, with faults: instances killed in the middle of DATA, a worker killed in the middle of a
 * delivery, every broker stopped, the primary killed under load. Whatever got a 250 must arrive, whole and once,
 * in the Maildir the instances share or at the smarthost. The methods run in order on one fleet.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class FleetIT {

    private static Path work;
    private static Path mail;
    private static Broker primary;
    private static Broker backup;
    private static Smarthost smarthost;
    private static final List<Instance> instances = new ArrayList<>();
    /** Mail for bob, delivered into the shared Maildir. */
    private static final Mailer mailer = new Mailer("local");
    /** Mail for other domains, relayed to the smarthost. */
    private static final Mailer relayed = new Mailer("relay");
    private static final AtomicInteger next = new AtomicInteger();

    @BeforeClass
    public static void startFleet() throws Exception {
        work = Paths.get(System.getProperty("work.directory"));
        deleteTree(work);
        mail = Files.createDirectories(work.resolve("mail"));
        Broker[] pair = Broker.pair(work.resolve("brokers"));
        primary = pair[0].start(true);
        backup = pair[1].start(false);
        smarthost = new Smarthost();
        String url = "(" + primary.url() + "," + backup.url() + ")?ha=true";
        for (String name : new String[] {"one", "two", "three"}) {
            instances.add(new Instance(name, work.resolve(name), url, mail, smarthost.port()));
        }
    }

    @AfterClass
    public static void stopFleet() throws Exception {
        for (Instance instance : instances) {
            instance.close();
        }
        if (smarthost != null) {
            smarthost.close();
        }
        for (Broker broker : new Broker[] {backup, primary}) {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private static Path bob() {
        return mail.resolve(Instance.DOMAIN).resolve("bob");
    }

    /** The next live instance, round robin. */
    private static int nextPort() {
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(Math.floorMod(next.getAndIncrement(), instances.size()));
            if (Broker.accepts(instance.smtp)) {
                return instance.smtp;
            }
        }
        return instances.get(0).smtp;
    }

    /** Waits until every acknowledged message for bob is in the Maildir, then checks them all. */
    private static void assertBobHasEverythingAcknowledged() throws Exception {
        Fleet.await("every acknowledged message in the Maildir", 120, () -> {
            long stored = Fleet.maildir(bob()).values().stream()
                    .map(m -> mailer.numberOf(new String(m, StandardCharsets.US_ASCII)))
                    .filter(mailer.acknowledged::containsKey).distinct().count();
            return stored >= mailer.acknowledged.size() ? true : null;
        });
        Fleet.assertEveryAcknowledgedMessageOnceAndWhole(mailer, new ArrayList<>(Fleet.maildir(bob()).values()));
    }

    private static String queueId(String reply) {
        return reply.substring(reply.lastIndexOf(' ') + 1);
    }

    @Test
    public void a_everyInstanceTakesMailAnyDeliversItAndEachShowsTheWholeQueue() throws Exception {
        for (int i = 0; i < 30; i++) {
            assertTrue(mailer.send(instances.get(i % 3).smtp, "bob@" + Instance.DOMAIN) > 0);
        }
        List<String> deferred = new ArrayList<>();
        for (Instance instance : instances) { // the smarthost refuses these for now: they wait in the queue
            int number = relayed.send(instance.smtp, "carol@" + Smarthost.DEFERRED_DOMAIN);
            assertTrue(number > 0);
            deferred.add(queueId(relayed.acknowledged.get(number)));
        }
        assertBobHasEverythingAcknowledged();
        Map<String, byte[]> files = Fleet.maildir(bob());
        assertEquals("a file each, named from its queue id (unique across the instances)", 30, files.size());

        int delivering = 0;
        for (Instance instance : instances) {
            delivering += instance.log().contains("delivered to <bob@" + Instance.DOMAIN + ">") ? 1 : 0;
        }
        assertTrue("more than one instance delivered: " + delivering, delivering > 1);

        for (Instance instance : instances) { // each shows the whole queue, wherever the mail was accepted
            String page = Fleet.await("the three deferred messages on the SMTP page of " + instance.name, 30, () -> {
                String html = instance.smtpPage();
                return deferred.stream().allMatch(html::contains) ? html : null;
            });
            assertTrue(page, page.contains("Queue store: artemis, (tcp://127.0.0.1:"));
            assertTrue(instance.deliveryHealth(), instance.deliveryHealth().contains("delivery is running: 3 queued"));
        }
    }

    @Test
    public void b_anInstanceKilledInTheMiddleOfDataTwentyTimesLosesNoAcknowledgedMessage() throws Exception {
        Instance victim = instances.get(0);
        try (Mailer.Load load = mailer.new Load(4, FleetIT::nextPort, "bob@" + Instance.DOMAIN)) {
            for (int round = 0; round < 20; round++) {
                try (Socket client = new Socket("127.0.0.1", victim.smtp)) {
                    client.setSoTimeout(30_000);
                    InputStream in = client.getInputStream();
                    OutputStream out = client.getOutputStream();
                    out.write(("EHLO killer.test\r\nMAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@" + Instance.DOMAIN
                            + ">\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    awaitText(in, "354");
                    byte[] message = mailer.message(1_000_000 + round);
                    out.write(message, 0, message.length / 2); // half of it, and then the server dies
                    out.flush();
                    victim.kill();
                    assertEquals("no reply to half a message from a dead server", -1, readOrReset(in));
                }
                victim.start();
            }
        }
        assertBobHasEverythingAcknowledged();
        assertTrue("the load went on: " + mailer.acknowledged.size(), mailer.acknowledged.size() > 100);
    }

    @Test
    public void c_aWorkerKilledInTheMiddleOfADeliveryDeliversItOnce() throws Exception {
        instances.get(1).close();
        instances.get(2).close();
        Instance relaying = instances.get(0);
        CountDownLatch holding = smarthost.holdData();
        int before = smarthost.messages.size();
        int number = relayed.send(relaying.smtp, "dave@elsewhere.test");
        assertTrue(number > 0);
        assertTrue("the delivery reached DATA", holding.await(30, TimeUnit.SECONDS));
        relaying.kill(); // its worker holds the message, unacknowledged
        smarthost.release();
        instances.get(1).start(); // the broker gives the message to this one
        Fleet.await("the message at the smarthost", 60, () -> smarthost.messages.size() > before ? true : null);
        Thread.sleep(EXTRA_WAIT_MILLIS); // a second copy, if there were one, would come within this
        List<byte[]> relayed = new ArrayList<>(smarthost.messages.subList(before, smarthost.messages.size()));
        assertEquals(1, relayed.size());
        assertEquals(number, FleetIT.relayed.numberOf(new String(relayed.get(0), StandardCharsets.US_ASCII)));
        assertTrue(instances.get(1).log().contains("relayed to <dave@elsewhere.test>"));
        relaying.start();
        instances.get(2).start();
    }

    private static final long EXTRA_WAIT_MILLIS = 8000;

    @Test
    public void d_everyBrokerStoppedGives451AndTheFleetRecoversByItself() throws Exception {
        backup.stop();
        primary.stop();
        for (Instance instance : instances) {
            int number = mailer.send(instance.smtp, "bob@" + Instance.DOMAIN);
            assertEquals("no 250 while no broker runs", -1, number);
            String health = Fleet.await("the health check of " + instance.name + " to say the queue is down", 30, () -> {
                String json = instance.deliveryHealth();
                return json.contains("CRITICAL") ? json : null;
            });
            assertTrue(health, health.contains("does not take mail, so the listener answers 451"));
        }
        try (Socket client = new Socket("127.0.0.1", instances.get(0).smtp)) { // what a client is told
            client.setSoTimeout(60_000);
            OutputStream out = client.getOutputStream();
            out.write(("EHLO x.test\r\nMAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@" + Instance.DOMAIN + ">\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(mailer.message(2_000_000));
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = awaitText(client.getInputStream(), "\n4");
            assertTrue(reply, reply.contains("451 4.3.0 the mail queue is unavailable"));
        }
        primary.start(true);
        backup.start(false);
        for (Instance instance : instances) {
            Fleet.await("the health check of " + instance.name + " back to OK", 60,
                    () -> instance.deliveryHealth().contains("\"overallResult\":\"OK\"") ? true : null);
            assertTrue(mailer.send(instance.smtp, "bob@" + Instance.DOMAIN) > 0);
        }
        assertBobHasEverythingAcknowledged();
    }

    @Test
    public void e_thePrimaryKilledUnderLoadLosesNoAcknowledgedMessage() throws Exception {
        int beforeKill;
        int afterKill;
        try (Mailer.Load load = mailer.new Load(10, FleetIT::nextPort, "bob@" + Instance.DOMAIN)) {
            Thread.sleep(4000);
            beforeKill = mailer.acknowledged.size();
            primary.kill();
            backup.awaitActive(60);
            Thread.sleep(6000);
            afterKill = mailer.acknowledged.size();
        }
        assertNotEquals("mail was accepted after the failover", beforeKill, afterKill);
        assertBobHasEverythingAcknowledged();
        smarthost.acceptAll(); // the deferred messages go out at their next attempt, from whichever instance
        Fleet.await("the deferred messages at the smarthost", 60,
                () -> smarthost.messages.size() >= relayed.acknowledged.size() ? true : null);
        Thread.sleep(EXTRA_WAIT_MILLIS);
        Fleet.assertEveryAcknowledgedMessageOnceAndWhole(relayed, smarthost.messages);
        assertFalse(primary.alive());
    }

    /** @return the next byte, or -1 when the connection ended, cleanly or by a reset */
    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    @Test
    public void f_aFiftyMebibyteMessageIsStreamedThroughTheQueueByInstancesWithA256MebibyteHeap() throws Exception {
        // 1,100,000 lines of about 50 bytes: more than 50 MiB; each instance runs with -Xmx256m
        int number = mailer.send(instances.get(1).smtp, "bob@" + Instance.DOMAIN, 1_100_000);
        assertTrue("the 50 MiB message was accepted", number > 0);
        assertTrue(mailer.sent.get(number).length > 50 * 1024 * 1024);
        assertBobHasEverythingAcknowledged();
    }

    /** Reads until the text appears (or the connection ends) and returns what was read. */
    private static String awaitText(InputStream in, String text) throws IOException {
        StringBuilder read = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            read.append((char) b);
            if (read.indexOf(text) >= 0 && b == '\n') {
                return read.toString();
            }
        }
        throw new IOException("connection closed before " + text + ": " + read);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
