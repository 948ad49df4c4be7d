package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/** Limits and strict SMTP, each abuse followed by a check that a fresh client is still served. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class LimitsIT extends SuiteSupport {

    private int port;

    private void start(Object... serverSettings) throws Exception {
        port = startListening(new String[] {"bob@example.org"}, serverSettings);
    }

    private void assertAlive() throws Exception {
        assertTakesMail(port);
    }

    @Test
    public void connectionsPerClientAndInAllAreLimited() throws Exception {
        start("maxConnectionsPerClient", 2, "maxConnections", 3);
        awaitProbeGone();
        List<SmtpClient> open = new ArrayList<>();
        try {
            open.add(SmtpClient.from("127.0.0.1", "127.0.0.1", port));
            open.add(SmtpClient.from("127.0.0.1", "127.0.0.1", port));
            try (SmtpClient third = SmtpClient.from("127.0.0.1", "127.0.0.1", port)) {
                assertEquals("421 4.7.0 mx.itest Too many connections from your address, try again later",
                        third.greeting.toString());
                assertTrue(third.closedByServer());
            }
            open.add(SmtpClient.from("127.0.0.2", "127.0.0.1", port));
            assertEquals(220, open.get(2).greeting.code);
            try (SmtpClient fourth = SmtpClient.from("127.0.0.3", "127.0.0.1", port)) {
                assertEquals("421 4.7.0 mx.itest Too many connections, try again later", fourth.greeting.toString());
                assertTrue(fourth.closedByServer());
            }
        } finally {
            for (SmtpClient client : open) {
                client.close();
            }
        }
        awaitSessionsEnded(1 + 3); // the probe and the three served; the refused ones never opened a session
        assertAlive();
    }

    @Test
    public void messagesPerConnectionAreLimited() throws Exception {
        start("maxMessagesPerConnection", 2);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO limits.test"), 250);
            for (int i = 0; i < 2; i++) {
                SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
            }
            assertEquals("421 4.7.0 mx.itest Error: too many messages in this connection, closing it",
                    client.command("MAIL FROM:<alice@client.test>").toString());
            assertTrue(client.closedByServer());
        }
        awaitMessages("bob@example.org", 2);
        assertAlive();
    }

    @Test
    public void badCommandsEndTheConnection() throws Exception {
        start("maxBadCommands", 3);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO limits.test"), 250);
            assertEquals("500 5.5.2 Error: command not recognized", client.command("XYZZY").toString());
            assertEquals("500 5.5.2 Error: command not recognized", client.command("GET / HTTP/1.1").toString());
            assertEquals("503 5.5.1 Error: need MAIL command", client.command("RCPT TO:<bob@example.org>").toString());
            assertEquals("421 4.7.0 mx.itest Error: too many errors, closing connection", client.command("MAIL FROM:<bogus").toString());
            assertTrue(client.closedByServer());
        }
        assertAlive();
    }

    @Test
    public void aDrippingClientIsCutOffAtTheSessionDeadline() throws Exception {
        start("sessionDeadline", 2);
        try (LogCapture log = new LogCapture(); Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(100);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            boolean closed = false;
            // one byte every ~100 ms resets any idle timeout; at most 100 rounds (10 s), well past the 2 s deadline
            for (int round = 0; round < 100 && !closed; round++) {
                try {
                    out.write('N');
                    out.flush();
                    while (true) {
                        if (in.read() < 0) {
                            closed = true;
                            break;
                        }
                    }
                } catch (SocketTimeoutException quiet) {
                    // nothing to read this round
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertTrue("the server closed the dripping connection", closed);
            assertNotNull(log.awaitLine(TIMEOUT, "reached the session deadline of 2 s; connection closed"));
        }
        assertAlive();
    }

    @Test
    public void anIdleClientIsDisconnectedAndOverlongCommandLinesAreRefusedWithoutLosingTheSession() throws Exception {
        start("idleTimeout", 1);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO limits.test"), 250);
            SmtpClient.Reply timeout = client.read(); // says nothing: the server gives up after a second
            assertEquals(timeout.toString(), 421, timeout.code);
            assertTrue(client.closedByServer());
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            // 4096 octets are allowed (AUTH responses and ESMTP parameters make lines longer than RFC 5321's 512)
            assertEquals("250 2.0.0 Ok", client.command("NOOP " + "x".repeat(4091)).toString());
            assertEquals("500 5.5.2 Error: line too long", client.command("NOOP " + "x".repeat(100_000)).toString());
            assertEquals("the rest of the long line was read and dropped", "250 2.0.0 Ok", client.command("NOOP").toString());
        }
        assertAlive();
    }

    @Test
    public void aMessageGoingRoundInALoopIsRefused() throws Exception {
        start();
        StringBuilder looping = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            looping.append("Received: from hop").append(i).append(".test by hop").append(i + 1).append(".test; Mon, 23 Nov 2026\r\n");
        }
        looping.append("Subject: round and round\r\n\r\nbody\r\n");
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO limits.test"), 250);
            SmtpClient.Reply reply = client.send("alice@client.test", List.of("bob@example.org"),
                    looping.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(reply.toString(), 554, reply.code);
            assertTrue(reply.text(), reply.text().startsWith("5.4.6 Too many hops"));
        }
        assertEquals(List.of(), files(mailbox("bob@example.org")));
        assertAlive();
    }

    @Test
    public void sizesRecipientsAndAddressesAreChecked() throws Exception {
        start("maxRecipients", 2, "maxMessageSize", 10000);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO limits.test"), 250);
            assertEquals(552, client.command("MAIL FROM:<alice@client.test> SIZE=99999999999999999999").code);
            assertEquals(552, client.command("MAIL FROM:<alice@client.test> SIZE=2147483648").code);
            assertEquals(501, client.command("MAIL FROM:<al\u0001ice@client.test>").code);
            assertEquals(501, client.command("MAIL FROM:<" + "a".repeat(65) + "@client.test>").code);
            SmtpClient.expect(client.command("MAIL FROM:<>"), 250);
            assertEquals(501, client.command("RCPT TO:<" + "b".repeat(64) + "@" + "c".repeat(190) + ".example.org>").code);
            assertEquals(501, client.command("RCPT TO:<bob\t@example.org>").code);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<postmaster@example.org>"), 250);
            assertEquals("452 4.5.3 Error: too many recipients", client.command("RCPT TO:<bob@example.org>").toString());
        }
        assertAlive();
    }
}
