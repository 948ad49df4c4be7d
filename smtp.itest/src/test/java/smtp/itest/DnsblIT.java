package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * The DNS list bundle in the framework, with a real DNS server (dnsmasq on loopback) serving block and allow list
 * zones: listings refuse the session with the list's TXT reason, answers that are not listings never count, allow
 * lists and return codes weigh in, answers are cached for their TTL, and a zone that does not answer lets the
 * session go on.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class DnsblIT extends SuiteSupport {

    private Dnsmasq dns;
    private DatagramSocket silent;
    private int port;

    @Override
    @Configuration
    public Option[] configuration() {
        return withDnsjava();
    }

    @After
    public void stopDns() throws Exception {
        if (dns != null) {
            dns.close();
        }
        if (silent != null) {
            silent.close();
        }
    }

    /** dnsmasq serving the zones; the suite with the lists plugin asking it. */
    private void start(int ttl, Object... dnsblSettings) throws Exception {
        silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)); // a name server that never answers
        dns = Dnsmasq.onFreePort(work.resolve("dns"), List.of("--local-ttl=" + ttl,
                "--local=/bl.test/", "--local=/wl.test/", "--local=/codes.test/", "--local=/dbl.test/",
                "--server=/slow.test/127.0.0.1#" + silent.getLocalPort(),
                "--host-record=70.0.0.127.bl.test,127.0.0.2",
                "--txt-record=70.0.0.127.bl.test,Listed in bl.test: see http://bl.test/127.0.0.70",
                "--host-record=71.0.0.127.bl.test,127.255.255.254",
                "--host-record=72.0.0.127.bl.test,192.0.2.1",
                "--host-record=73.0.0.127.bl.test,127.0.0.2", "--host-record=73.0.0.127.wl.test,127.0.10.1",
                "--host-record=74.0.0.127.codes.test,127.0.0.3", "--host-record=76.0.0.127.codes.test,127.0.0.4",
                "--host-record=75.0.0.127.bl.test,127.0.0.2",
                "--host-record=spam.example.dbl.test,127.0.1.2", "--txt-record=spam.example.dbl.test,spam domain"));
        createFactoryConfiguration("smtp.policy.dnsbl.zone", "zone", "bl.test");
        createFactoryConfiguration("smtp.policy.dnsbl.zone", "zone", "wl.test", "kind", "allow", "weight", 5);
        createFactoryConfiguration("smtp.policy.dnsbl.zone", "zone", "codes.test", "codes",
                new String[] {"127.0.0.4=1"});
        createFactoryConfiguration("smtp.policy.dnsbl.zone", "zone", "dbl.test", "target", "senderDomain");
        createFactoryConfiguration("smtp.policy.dnsbl.zone", "zone", "slow.test");
        Object[] settings = {"nameservers", new String[] {"127.0.0.1:" + dns.port}, "timeout", 500,
            "smtp.policy.usage", new String[0]};
        Object[] all = Arrays.copyOf(settings, settings.length + dnsblSettings.length);
        System.arraycopy(dnsblSettings, 0, all, settings.length, dnsblSettings.length);
        configure("smtp.policy.dnsbl", all);
        port = startListening(new String[] {"bob@example.org"});
        awaitProbeGone();
        try (LogCapture log = new LogCapture()) {
            context.installBundle(suiteBundleLocation("smtp.policy.dnsbl")).start();
            assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin dnsbl in use"));
        }
    }

    private String greeting(String source) throws IOException {
        try (SmtpClient client = SmtpClient.from(source, "127.0.0.1", port)) {
            if (client.greeting.code == 554) {
                assertEquals(503, client.command("EHLO listed.test").code);
                SmtpClient.expect(client.command("QUIT"), 221);
            }
            return client.greeting.toString();
        }
    }

    @Test
    public void aListedClientIsRefusedWithTheListsReasonAndNonListingsNeverCount() throws Exception {
        start(60);
        assertEquals("554 5.7.1 mx.itest Service unavailable; client host [127.0.0.70] blocked using bl.test; "
                + "Listed in bl.test: see http://bl.test/127.0.0.70", greeting("127.0.0.70"));
        try (LogCapture log = new LogCapture()) {
            assertEquals(220, Integer.parseInt(greeting("127.0.0.71").substring(0, 3)));
            assertNotNull(log.awaitLine(TIMEOUT, "DNS list bl.test: answered 127.255.255.254 for 71.0.0.127.bl.test.",
                    "not a listing"));
        }
        assertEquals("an answer outside 127.0.0.0/8", 220, Integer.parseInt(greeting("127.0.0.72").substring(0, 3)));
        assertEquals("listed, but the allow list weighs more", 220,
                Integer.parseInt(greeting("127.0.0.73").substring(0, 3)));
        assertEquals("a return code that is not configured", 220,
                Integer.parseInt(greeting("127.0.0.74").substring(0, 3)));
        assertTrue(greeting("127.0.0.76").startsWith("554 5.7.1 mx.itest Service unavailable; client host [127.0.0.76] "
                + "blocked using codes.test"));
        assertEquals("not listed anywhere", 220, Integer.parseInt(greeting("127.0.0.77").substring(0, 3)));
    }

    @Test
    public void aListedSenderDomainIsRefusedAtMail() throws Exception {
        start(60);
        try (SmtpClient client = SmtpClient.from("127.0.0.77", "127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO clean.test"), 250);
            assertEquals("554 5.7.1 Service unavailable; sender domain spam.example blocked using dbl.test; spam domain",
                    client.command("MAIL FROM:<someone@spam.example>").toString());
            SmtpClient.expect(client.command("MAIL FROM:<someone@fine.example>"), 250);
        }
    }

    @Test
    public void answersAreCachedForTheirTtlAndAZoneThatDoesNotAnswerLetsTheSessionGoOn() throws Exception {
        start(2, "action", "defer");
        String deferred = "421 4.7.1 mx.itest Service unavailable; client host [127.0.0.75] blocked using bl.test, "
                + "try again later";
        try (LogCapture log = new LogCapture()) {
            assertEquals(deferred, greeting("127.0.0.75"));
            assertNotNull("slow.test never answers: logged, not counted", log.awaitLine(TIMEOUT, "DNS list slow.test: ",
                    "75.0.0.127.slow.test."));
        }
        long asked = dns.queries("A", "75.0.0.127.bl.test");
        assertEquals(1, asked);
        assertEquals(deferred, greeting("127.0.0.75"));
        assertEquals("within the TTL the answer comes from the cache", asked, dns.queries("A", "75.0.0.127.bl.test"));
        Thread.sleep(2500); // the records' TTL is 2 s
        assertEquals(deferred, greeting("127.0.0.75"));
        assertEquals("after the TTL it is asked again", asked + 1, dns.queries("A", "75.0.0.127.bl.test"));

        assertEquals("without an answer from slow.test the session goes on", 220,
                Integer.parseInt(greeting("127.0.0.78").substring(0, 3)));
    }
}
