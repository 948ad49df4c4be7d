package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * What hostile clients found, each reproduced over a socket and followed by a check that the server still takes
 * mail: refusals that must stay refusals, command lines that must get a 5xx with an enhanced code, what must not
 * be echoed or logged, and the limits that make abuse slow and short.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class HostileInputIT extends SuiteSupport {

    private int port;

    private void start(Object... serverSettings) throws Exception {
        port = startListening(new String[] {"bob@example.org"}, serverSettings);
    }

    private void assertAlive() throws Exception {
        assertTakesMail(port);
    }

    private static SmtpClient.Reply sendRaw(SmtpClient client, String body) throws IOException {
        SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
        SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
        SmtpClient.expect(client.command("DATA"), 354);
        client.write(body.getBytes(StandardCharsets.ISO_8859_1));
        return client.read();
    }

    @Test
    public void aRefusalStaysPermanentWhenABareLineEndingFollows() throws Exception {
        start("maxMessageSize", 20_000);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO hostile.test"), 250);
            String loop = "Received: from a by b; Mon, 30 Nov 2026 00:00:00 +0000\r\n".repeat(51) + "Subject: loop\r\n\r\n"
                    + "y".repeat(76).concat("\r\n").repeat(210) + "x\ny\r\n.\r\n";
            assertEquals("554 5.4.6 Too many hops: more than 50 Received headers (a mail loop?)", sendRaw(client, loop).toString());
            String large = "Subject: large\r\n\r\n" + "z".repeat(998).concat("\r\n").repeat(25) + "x\ny\r\n.\r\n";
            assertEquals("552 5.3.4 Message size exceeds fixed maximum message size of 20000 bytes",
                    sendRaw(client, large).toString());
            assertEquals("the session goes on", "250 2.0.0 Ok", client.command("NOOP").toString());
        }
        assertAlive();
    }

    @Test
    public void badCommandLinesGet5xxWithEnhancedCodesAndAreCounted() throws Exception {
        start("errorDelay", 10, "errorDelayMax", 20);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            client.write("NOOP \u00c3\u00ff\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("501 5.5.2 Error: the command is not valid UTF-8", client.read().toString());
            assertEquals(501, client.command("EHLO a\u0001b").code);
            SmtpClient.expect(client.command("EHLO hostile.test"), 250);
            for (int i = 3; i <= 10; i++) {
                assertEquals("blank line " + i, "500 5.5.2 Error: bad syntax", client.command("").toString());
            }
            assertEquals("421 4.7.0 mx.itest Error: too many errors, closing connection", client.command("").toString());
            assertTrue(client.closedByServer());
        }
        assertAlive();
    }

    @Test
    public void aQuotedLocalPartIsTakenAtMailAndDelivered() throws Exception {
        start();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO hostile.test"), 250);
            SmtpClient.expect(client.send("\"a b\"@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
            assertEquals(501, client.command("MAIL FROM:<a b@client.test>").code);
        }
        String text = Files.readString(awaitMessages("bob@example.org", 1).get(0));
        assertTrue(text, text.startsWith("Return-Path: <\"a b\"@client.test>\r\n"));
        assertAlive();
    }

    @Test
    public void controlCharactersAreNeverEchoed() throws Exception {
        start();
        try (LogCapture log = new LogCapture(); SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO hostile.test"), 250);
            assertEquals("501 5.5.4 Syntax error in the parameters",
                    client.command("MAIL FROM:<s@client.test> X\u0000Y\u001b[31m").toString());
            assertEquals("500 5.5.2 Error: command not recognized", client.command("\u001b[2J\u0007").toString());
            SmtpClient.expect(client.command("MAIL FROM:<s@client.test>"), 250);
            SmtpClient.Reply rcpt = client.command("RCPT TO:<nobody\u001b[2J@example.org>");
            assertEquals(501, rcpt.code);
            assertFalse(rcpt.toString(), rcpt.toString().chars().anyMatch(c -> c < 0x20));
            assertFalse("no escape sequence in the log", log.text().contains("\u001b"));
        }
        assertAlive();
    }

    @Test
    public void unknownRecipientsGetSlowerAndEndTheConnection() throws Exception {
        start("maxUnknownRecipients", 8, "errorDelay", 100, "errorDelayMax", 100);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO hostile.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            long start = System.nanoTime();
            for (int i = 1; i <= 8; i++) {
                assertEquals(550, client.command("RCPT TO:<guess" + i + "@example.org>").code);
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue("five of the eight refusals waited 100 ms each: " + elapsedMillis + " ms", elapsedMillis >= 450);
            assertEquals("421 4.7.0 mx.itest Error: too many unknown recipients, closing connection",
                    client.command("RCPT TO:<guess9@example.org>").toString());
            assertTrue(client.closedByServer());
        }
        assertAlive();
    }

    @Test
    public void aClientThatGoesAwayIsOneInfoLineWithoutAStackTrace() throws Exception {
        start();
        try (LogCapture log = new LogCapture()) {
            try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
                SmtpClient.expect(client.command("EHLO hostile.test"), 250);
                SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
                SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
                SmtpClient.expect(client.command("DATA"), 354);
                client.write("Subject: cut\r\n\r\nhalf a message and half a character \u00c3".getBytes(StandardCharsets.ISO_8859_1));
            }
            String line = log.awaitLine(TIMEOUT, "the client closed the connection in the middle of a mail transaction");
            assertNotNull(line);
            assertTrue(line, line.contains(" INFO "));
            assertFalse(log.text(), log.text().contains("\tat "));
            assertFalse(log.text(), log.text().contains("Exception"));
        }
        assertAlive();
    }

    @Test
    public void aClientThatDripsIntoDataIsCutOffByTheMinimumRate() throws Exception {
        start("idleTimeout", 1, "minDataRate", 100_000);
        try (LogCapture log = new LogCapture(); Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(300);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            out.write("EHLO drip.test\r\nMAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            StringBuilder replies = new StringBuilder();
            boolean closed = false;
            // one byte every 300 ms keeps any per-read timeout from firing; at most 40 rounds (12 s)
            for (int round = 0; round < 40 && !closed; round++) {
                try {
                    out.write('x');
                    out.flush();
                } catch (IOException reset) {
                    closed = true;
                    break;
                }
                try {
                    for (int b; (b = in.read()) >= 0; ) {
                        replies.append((char) b);
                    }
                    closed = true;
                } catch (java.net.SocketTimeoutException quiet) {
                    // nothing more this round
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertTrue("the server closed the dripping connection: " + replies, closed);
            assertTrue(replies.toString(), replies.toString().contains(
                    "421 4.4.2 mx.itest Error: data transfer too slow, closing connection\r\n"));
            assertNotNull(log.awaitLine(TIMEOUT, "data slower than 100000 bytes/s; disconnected"));
        }
        assertAlive();
    }
}
