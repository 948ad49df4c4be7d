package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * The PROXY protocol with a real HAProxy in front of the suite: version 1 and version 2 headers carry the client's
 * address, which the relay policy and the Received header then see; a peer outside the proxy networks, and a
 * trusted peer that sends no header, are closed at once.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ProxyIT extends SuiteSupport {

    private Process haproxy;

    @After
    public void stopHaproxy() throws InterruptedException {
        if (haproxy != null) {
            haproxy.destroy();
            if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
    }

    /** Starts HAProxy in the foreground: a frontend per version, each passing connections on to the suite. */
    private void startHaproxy(int frontV1, int frontV2, int suite) throws Exception {
        Path config = work.resolve("haproxy.cfg");
        Files.writeString(config, String.join("\n",
                "global",
                "  maxconn 100",
                "defaults",
                "  mode tcp",
                "  timeout connect 5s",
                "  timeout client 30s",
                "  timeout server 30s",
                "frontend v1",
                "  bind 127.0.0.1:" + frontV1,
                "  default_backend suite_v1",
                "frontend v2",
                "  bind 127.0.0.1:" + frontV2,
                "  default_backend suite_v2",
                "backend suite_v1",
                "  server suite 127.0.0.1:" + suite + " send-proxy",
                "backend suite_v2",
                "  server suite 127.0.0.1:" + suite + " send-proxy-v2",
                ""));
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("haproxy.log").toFile()).start();
        awaitListening("127.0.0.1", frontV1);
        awaitListening("127.0.0.1", frontV2);
    }

    @Test
    public void theProxiedAddressIsTheClientsForPolicyAndReceivedHeader() throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", "hostName", "mx.itest", "relayNetworks", new String[] {"127.0.0.5/32"});
        int suite = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", suite,
                "proxyProtocol", true, "proxyNetworks", new String[] {"127.0.0.1/32"});
        startSuite();
        awaitListening("127.0.0.1", suite);
        int frontV1 = freePort();
        int frontV2 = freePort();
        startHaproxy(frontV1, frontV2, suite);

        for (int front : new int[] {frontV1, frontV2}) {
            try (SmtpClient client = SmtpClient.from("127.0.0.5", "127.0.0.1", front)) {
                assertEquals(220, client.greeting.code);
                SmtpClient.expect(client.command("EHLO proxied.test"), 250);
                SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
                assertEquals("127.0.0.5 is in the relay networks", 250,
                        client.command("RCPT TO:<carol@elsewhere.test>").code);
                SmtpClient.expect(client.command("RSET"), 250);
                SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
            }
            try (SmtpClient client = SmtpClient.from("127.0.0.6", "127.0.0.1", front)) {
                SmtpClient.expect(client.command("EHLO proxied.test"), 250);
                SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
                assertEquals("127.0.0.6 is outside the relay networks", 550,
                        client.command("RCPT TO:<carol@elsewhere.test>").code);
            }
        }
        List<Path> stored = awaitMessages("bob@example.org", 2);
        for (Path message : stored) {
            String text = Files.readString(message);
            assertTrue(text, text.contains("Received: from proxied.test ([127.0.0.5])\r\n"));
        }
    }

    @Test
    public void anUntrustedPeerOrAMissingHeaderIsClosedAtOnce() throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", "hostName", "mx.itest");
        int trusted = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", trusted,
                "proxyProtocol", true, "proxyNetworks", new String[] {"127.0.0.1/32"});
        int untrusted = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.2", "port", untrusted,
                "proxyProtocol", true, "proxyNetworks", new String[] {"10.0.0.0/8"});
        int plain = bindLoopbackOn("127.0.0.3");
        startSuite();
        awaitListening("127.0.0.1", trusted);
        awaitListening("127.0.0.2", untrusted);
        awaitListening("127.0.0.3", plain);

        try (LogCapture log = new LogCapture()) {
            assertEquals("no greeting, no reply: closed", "",
                    talk("127.0.0.2", untrusted, "PROXY TCP4 192.0.2.1 127.0.0.2 4000 25\r\nEHLO x\r\n"));
            assertNotNull(log.awaitLine(TIMEOUT, "Connection from 127.0.0.1 closed: the binding takes the PROXY protocol "
                    + "from its proxy networks only"));
            assertEquals("", talk("127.0.0.1", trusted, "EHLO x\r\n"));
            assertNotNull(log.awaitLine(TIMEOUT, "Connection from proxy 127.0.0.1 closed: no PROXY protocol header"));
            assertEquals("", talk("127.0.0.1", trusted, "PROXY TCP4 not-an-address 127.0.0.1 4000 25\r\n"));
        }
        // a correct version 1 header by hand still opens a session
        String session = talk("127.0.0.1", trusted, "PROXY TCP4 192.0.2.7 127.0.0.1 4000 25\r\nQUIT\r\n");
        assertTrue(session, session.startsWith("220 mx.itest ESMTP"));
        assertTrue(session, session.contains("221 "));
        try (SmtpClient client = new SmtpClient("127.0.0.3", plain)) {
            SmtpClient.expect(client.command("EHLO alive.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }
    }

    private int bindLoopbackOn(String address) throws Exception {
        int port = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", address, "port", port);
        return port;
    }

    /** Sends the bytes and returns all the server says until it closes the connection. */
    private static String talk(String host, int port, String bytes) throws Exception {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return SmtpClient.readUntilClosed(in);
        }
    }
}
