package smtp.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/** Mail from real SMTP clients, over sockets, into the Maildir. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class MailFlowIT extends SuiteSupport {

    static final byte[] MESSAGE = ("From: Alice <alice@client.test>\r\n"
            + "To: bob@example.org\r\n"
            + "Subject: dots and bytes\r\n"
            + "\r\n"
            + ".a line that starts with a dot\r\n"
            + "..two dots\r\n"
            + ".\r\n"
            + "a lone dot above, and 8-bit text: gr\u00fc\u00dfe\r\n"
            + "last line\r\n").getBytes(StandardCharsets.UTF_8);

    private int start(Object... serverSettings) throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", serverSettings.length > 0 ? serverSettings : new Object[] {"hostName", "mx.itest"});
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        return port;
    }

    /** What lands in the Maildir: trace lines on top, then the message exactly as the client meant it. */
    private static void assertDelivered(Path file, byte[] message, String sender) throws Exception {
        byte[] stored = Files.readAllBytes(file);
        String text = new String(stored, StandardCharsets.UTF_8);
        assertTrue(text, text.startsWith("Return-Path: <" + sender + ">\r\nDelivered-To: bob@example.org\r\nReceived: from "));
        assertTrue("stored message ends with the sent bytes", stored.length > message.length);
        assertArrayEquals(message, Arrays.copyOfRange(stored, stored.length - message.length, stored.length));
        String trace = new String(stored, 0, stored.length - message.length, StandardCharsets.UTF_8);
        assertTrue(trace, trace.endsWith("\r\n"));
        assertEquals("only the trace header lines precede the message", 0, trace.lines()
                .filter(line -> !line.startsWith("Return-Path:") && !line.startsWith("Delivered-To:")
                        && !line.startsWith("Received:") && !line.startsWith("\t"))
                .count());
    }

    @Test
    public void messageLandsByteExactWithDotStuffingUndone() throws Exception {
        int port = start();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            Instant sending = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            SmtpClient.Reply reply = client.send("alice@client.test", List.of("bob@example.org"), MESSAGE);
            Instant accepted = Instant.now();
            assertEquals(250, reply.code);
            assertTrue(reply.text(), reply.text().startsWith("2.0.0 Ok: queued as "));
            String queueId = reply.text().substring("2.0.0 Ok: queued as ".length());
            SmtpClient.expect(client.command("QUIT"), 221);

            Path file = awaitMessages("bob@example.org", 1).get(0);
            assertTrue(file.getFileName().toString(), file.getFileName().toString().endsWith("." + queueId));
            assertDelivered(file, MESSAGE, "alice@client.test");
            String text = Files.readString(file, StandardCharsets.UTF_8);
            assertTrue(text, text.contains("Received: from client.test ([127.0.0.1])\r\n\tby mx.itest (SMTP Suite 0.1.0) with ESMTP id "
                    + queueId + "\r\n\tfor <bob@example.org>;\r\n\t"));
            String dated = text.substring(text.indexOf("for <bob@example.org>;\r\n\t") + "for <bob@example.org>;\r\n\t".length());
            Instant date = ZonedDateTime.parse(dated.substring(0, dated.indexOf("\r\n")), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            assertTrue("the Received date " + date + " is the time the message came, between " + sending + " and " + accepted,
                    !date.isBefore(sending) && !date.isAfter(accepted));
        }
        await("the queue to empty", () -> queued().isEmpty() ? true : null);
    }

    @Test
    public void pythonSmtplibDeliversTheSameBytes() throws Exception {
        int port = start();
        Path script = work.resolve("send.py");
        Path message = work.resolve("message.eml");
        Files.write(message, MESSAGE);
        Files.writeString(script, String.join("\n",
                "import smtplib, sys",
                "with open(sys.argv[2], 'rb') as f: body = f.read()",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=15) as s:",
                "    s.ehlo('python.test')",
                "    print(s.sendmail('carol@python.test', ['bob@example.org'], body))",
                ""));
        Process python = new ProcessBuilder("python3", script.toString(), Integer.toString(port), message.toString())
                .redirectErrorStream(true).start();
        assertTrue("python finished", python.waitFor(60, TimeUnit.SECONDS));
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(output, 0, python.exitValue());
        assertDelivered(awaitMessages("bob@example.org", 1).get(0), MESSAGE, "carol@python.test");
    }

    @Test
    public void ehloAdvertisesExtensionsAndBannerNamesProduct() throws Exception {
        int port = start("hostName", "mx.itest", "maxMessageSize", 123456);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertEquals(220, client.greeting.code);
            assertEquals("mx.itest ESMTP SMTP Suite 0.1.0", client.greeting.text());
            SmtpClient.Reply ehlo = SmtpClient.expect(client.command("EHLO client.test"), 250);
            assertEquals(List.of("mx.itest", "PIPELINING", "SIZE 123456", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8",
                    "CHUNKING", "BINARYMIME", "DSN"), ehlo.lines);
            SmtpClient.Reply helo = SmtpClient.expect(client.command("HELO client.test"), 250);
            assertEquals("mx.itest", helo.text());
            assertEquals("250 2.0.0 Ok", client.command("NOOP").toString());
            assertEquals(252, client.command("VRFY bob").code);
            assertEquals("502 5.5.1 Error: command not implemented", client.command("EXPN staff").toString());
        }
    }

    @Test
    public void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        int port = start();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            client.write("MAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<nobody@example.org>\r\n"
                    + "RCPT TO:<postmaster@example.org>\r\nDATA\r\n");
            assertEquals("250 2.1.0 Ok", client.read().toString());
            assertEquals("250 2.1.5 Ok", client.read().toString());
            assertEquals(550, client.read().code);
            assertEquals("250 2.1.5 Ok", client.read().toString());
            assertEquals(354, client.read().code);
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            rest.write(SmtpClient.dataOf(MESSAGE));
            rest.write("MAIL FROM:<>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
            client.write(rest.toByteArray());
            assertEquals(250, client.read().code);
            assertEquals(250, client.read().code);
            assertEquals(250, client.read().code);
            assertEquals(354, client.read().code);
            client.write(SmtpClient.dataOf(MESSAGE));
            assertEquals(250, client.read().code);
        }
        List<Path> messages = awaitMessages("bob@example.org", 2);
        assertEquals(2, messages.size());
        int nullSender = 0;
        for (Path message : messages) {
            nullSender += Files.readString(message).startsWith("Return-Path: <>\r\n") ? 1 : 0;
        }
        assertEquals("the second message, with the null sender", 1, nullSender);
        assertEquals(1, awaitMessages("postmaster@example.org", 1).size());
    }

    @Test
    public void oversizedMessageIsRefusedAndNotStored() throws Exception {
        int port = start("maxMessageSize", 2048);
        byte[] big = new byte[5000];
        Arrays.fill(big, (byte) 'x');
        for (int i = 76; i < big.length; i += 78) {
            big[i] = '\r';
            big[i + 1] = '\n';
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            assertEquals(552, client.command("MAIL FROM:<alice@client.test> SIZE=5000").code);
            SmtpClient.Reply reply = client.send("alice@client.test", List.of("bob@example.org"), big);
            assertEquals(reply.toString(), 552, reply.code);
            assertTrue(reply.text(), reply.text().startsWith("5.3.4 "));
            // the session goes on: the rest of the big message was not taken for commands
            SmtpClient.Reply next = client.send("alice@client.test", List.of("bob@example.org"), MESSAGE);
            assertEquals(next.toString(), 250, next.code);
        }
        List<Path> delivered = awaitMessages("bob@example.org", 1);
        assertEquals(1, delivered.size());
        assertDelivered(delivered.get(0), MESSAGE, "alice@client.test");
        await("the queue to empty", () -> queued().isEmpty() ? true : null);
    }

    @Test
    public void recipientPolicyFollowsInterfaceUsage() throws Exception {
        int port = start();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.Reply unknown = client.command("RCPT TO:<nobody@example.org>");
            assertEquals(550, unknown.code);
            assertTrue(unknown.text(), unknown.text().startsWith("5.1.1 "));
            // a client on an Internal interface may send through the server: the message waits in the queue for relay
            SmtpClient.expect(client.command("RCPT TO:<someone@elsewhere.test>"), 250);
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(SmtpClient.dataOf(MESSAGE));
            SmtpClient.expect(client.read(), 250);
        }
        String envelope = awaitQueuedEnvelope();
        assertTrue(envelope, envelope.contains("recipient: someone@elsewhere.test\n"));

        // the same address marked External: no relay, local mail still accepted
        try (LogCapture log = new LogCapture()) {
            configure("smtp.server", "interfaceUsage", new String[] {"127.0.0.1=external"});
            assertNotNull(log.awaitLine(TIMEOUT, "listening on 127.0.0.1:" + port + " (external interface)"));
        }
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.Reply relay = client.command("RCPT TO:<someone@elsewhere.test>");
            assertEquals(550, relay.code);
            assertTrue(relay.text(), relay.text().startsWith("5.7.1 "));
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
        }
    }

    @Test
    public void protocolErrorsGetEnhancedCodes() throws Exception {
        int port = start();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", client.command("MAIL FROM:<alice@client.test>").toString());
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            assertEquals("503 5.5.1 Error: need MAIL command", client.command("RCPT TO:<bob@example.org>").toString());
            assertEquals("503 5.5.1 Error: need MAIL command", client.command("DATA").toString());
            assertEquals(501, client.command("MAIL FROM:<not an address>").code);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            assertEquals("503 5.5.1 Error: nested MAIL command", client.command("MAIL FROM:<alice@client.test>").toString());
            assertEquals("503 5.5.1 Error: need RCPT command", client.command("DATA").toString());
            assertEquals(501, client.command("RCPT TO:<>").code);
            assertEquals("250 2.0.0 Ok", client.command("RSET").toString());
            assertEquals("221 2.0.0 Bye", client.command("QUIT").toString());
            assertTrue(client.closedByServer());
        }
        assertFalse(Files.exists(mailbox("bob@example.org")) && !files(mailbox("bob@example.org")).isEmpty());
    }
}
