package smtp.itest;

import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

import smtp.delivery.api.Envelope;

/** The relay inside the framework: MX look-ups through the JDK's DNS provider, at a dnsmasq on loopback. */
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
            configure("smtp.delivery", "spoolDirectory", spool.toString(), "mailboxRoot", mail.toString(),
                    "localDomains", new String[] {"example.org"}, "hostName", "itest", "dnsResolver", "127.0.0.1:" + dnsPort,
                    "mxPort", freePort(), "retryIntervals", new int[] {3600});
            try (LogCapture capture = new LogCapture()) {
                startSuite();
                Envelope envelope = new Envelope();
                envelope.reversePath = "app@example.org";
                envelope.recipients = List.of("carol@remote.test");
                String queueId = awaitDelivery().deliver(envelope,
                        new ByteArrayInputStream("Subject: out\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
                // the MX host was found in DNS: the attempt went to its address, where nothing listens
                String line = capture.awaitLine(TIMEOUT, queueId + ": deferred for [carol@remote.test]",
                        "mail.remote.test [127.0.0.21]");
                assertNotNull(line);
            }
            assertTrue(spoolFiles().size() == 2);
        } finally {
            dns.destroy();
            dns.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
