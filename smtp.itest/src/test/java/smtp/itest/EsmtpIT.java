package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

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

/**
 * The ESMTP extensions over sockets: SMTPUTF8 and CHUNKING from Python's smtplib, BDAT, DSN and REQUIRETLS by hand
 * with their abuse cases, each followed by a check that the server still takes mail.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class EsmtpIT extends SuiteSupport {

    private int port;

    private void start(Object... serverSettings) throws Exception {
        port = startListening(new String[] {"bob@example.org", "j\u00f6rg@example.org"}, serverSettings);
    }

    private void assertAlive() throws Exception {
        assertTakesMail(port);
    }

    @Test
    public void pythonSendsUtf8AddressesAndChunks() throws Exception {
        start();
        Path script = work.resolve("esmtp.py");
        Files.writeString(script, String.join("\n",
                "import smtplib, sys",
                "port = int(sys.argv[1])",
                "utf8 = ('From: J\u00f6rg <j\u00f6rg@b\u00fccher.example>\\r\\nTo: j\u00f6rg@example.org\\r\\n'",
                "        'Subject: Gr\u00fc\u00dfe\\r\\n\\r\\nSch\u00f6ne Gr\u00fc\u00dfe\\r\\n').encode('utf-8')",
                "with smtplib.SMTP('127.0.0.1', port, timeout=15) as s:",
                "    s.ehlo('python.test')",
                "    assert s.has_extn('smtputf8') and s.has_extn('chunking'), s.esmtp_features",
                "    print(s.sendmail('j\u00f6rg@b\u00fccher.example', ['j\u00f6rg@example.org'], utf8, mail_options=['SMTPUTF8']))",
                "    code, text = s.mail('alice@client.test', ['BODY=BINARYMIME'])",
                "    assert code == 250, (code, text)",
                "    code, text = s.rcpt('bob@example.org')",
                "    assert code == 250, (code, text)",
                "    first = b'Subject: chunked\\r\\n\\r\\nbinary \\x00\\x01 and a bare\\nline '",
                "    second = b'and the end\\r\\n.\\r\\n'",
                "    s.send(b'BDAT %d\\r\\n' % len(first) + first)",
                "    code, text = s.getreply()",
                "    assert code == 250, (code, text)",
                "    s.send(b'BDAT %d LAST\\r\\n' % len(second) + second)",
                "    code, text = s.getreply()",
                "    assert code == 250, (code, text)",
                "    print('chunked', text.decode())",
                ""), StandardCharsets.UTF_8);
        Process python = new ProcessBuilder("python3", script.toString(), Integer.toString(port))
                .redirectErrorStream(true).start();
        assertTrue("python finished", python.waitFor(60, TimeUnit.SECONDS));
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(output, 0, python.exitValue());

        Path utf8 = awaitMessages("j\u00f6rg@example.org", 1).get(0);
        assertTrue(utf8.toString(), utf8.startsWith(mail.resolve("example.org").resolve("j\u00f6rg")));
        String text = Files.readString(utf8, StandardCharsets.UTF_8);
        assertTrue(text, text.startsWith("Return-Path: <j\u00f6rg@b\u00fccher.example>\r\n"));
        assertTrue(text, text.contains(" with UTF8SMTP id "));
        assertTrue(text, text.endsWith("Subject: Gr\u00fc\u00dfe\r\n\r\nSch\u00f6ne Gr\u00fc\u00dfe\r\n"));

        byte[] chunked = Files.readAllBytes(awaitMessages("bob@example.org", 1).get(0));
        String chunkedText = new String(chunked, StandardCharsets.ISO_8859_1);
        assertTrue(chunkedText, chunkedText.contains(" with ESMTP id "));
        assertTrue("BDAT content is stored as sent: no dot-unstuffing, no line-ending change: " + chunkedText,
                chunkedText.endsWith("Subject: chunked\r\n\r\nbinary \u0000\u0001 and a bare\nline and the end\r\n.\r\n"));
        assertAlive();
    }

    @Test
    public void chunksAreCheckedAndAbuseEndsOnlyTheAbusingSession() throws Exception {
        start("maxMessageSize", 2048);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO chunks.test"), 250);
            assertEquals("503 5.5.1 Error: need MAIL command", client.command("BDAT 0 LAST").toString());
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            assertEquals("503 5.5.1 Error: need RCPT command", client.command("BDAT 0 LAST").toString());
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            // the size limit counts across chunks: each is small, together they are too large
            client.write("BDAT 1500\r\n" + "x".repeat(1500));
            assertEquals("250 2.0.0 1500 octets received", client.read().toString());
            client.write("BDAT 1500 LAST\r\n" + "y".repeat(1500));
            assertEquals("552 5.3.4 Message size exceeds fixed maximum message size of 2048 bytes", client.read().toString());
            // BDAT and DATA do not mix
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            client.write("BDAT 5\r\nhello");
            SmtpClient.expect(client.read(), 250);
            assertEquals(503, client.command("DATA").code);
            client.write("BDAT 7 LAST\r\n world\n");
            SmtpClient.expect(client.read(), 250);
            SmtpClient.expect(client.command("NOOP"), 250);
        }
        assertAlive();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO chunks.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            assertEquals("an oversized chunk cannot be skipped: the connection ends",
                    "552 5.3.4 Chunk larger than the maximum message size of 2048 bytes; closing connection",
                    client.command("BDAT 999999999 LAST").toString());
            assertTrue(client.closedByServer());
        }
        assertAlive();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO chunks.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            assertEquals("501 5.5.4 Syntax: BDAT <size> [LAST]; closing connection", client.command("BDAT -5").toString());
            assertTrue(client.closedByServer());
        }
        assertAlive();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO chunks.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test> BODY=BINARYMIME"), 250);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            assertEquals("503 5.5.1 Error: a BODY=BINARYMIME message is sent with BDAT, not DATA",
                    client.command("DATA").toString());
            String binary = "binary\u0000\r\n.\r\nx";
            client.write("BDAT " + binary.length() + " LAST\r\n" + binary);
            assertEquals("BDAT after the refused DATA takes the message", 250, client.read().code);
        }
        assertAlive();
        // the stored chunked messages, and only the complete ones
        List<Path> stored = awaitMessages("bob@example.org", 6);
        assertEquals(1, stored.stream().filter(p -> read(p).endsWith("\r\nhello world\n")).count());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    public void requireTlsIsOfferedOnlyUnderTls() throws Exception {
        start();
        String starttls = createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.2", "port", port,
                "tlsMode", "starttls");
        awaitListening("127.0.0.2", port);
        try (SmtpClient client = new SmtpClient("127.0.0.2", port)) {
            List<String> plain = SmtpClient.expect(client.command("EHLO tls.test"), 250).lines;
            assertFalse(plain.toString(), plain.contains("REQUIRETLS"));
            assertEquals("530 5.7.10 REQUIRETLS needs a TLS session: send STARTTLS first",
                    client.command("MAIL FROM:<alice@client.test> REQUIRETLS").toString());
            SmtpClient.expect(client.command("STARTTLS"), 220);
            client.startTls();
            List<String> secured = SmtpClient.expect(client.command("EHLO tls.test"), 250).lines;
            assertTrue(secured.toString(), secured.contains("REQUIRETLS"));
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test> REQUIRETLS"), 250);
            SmtpClient.expect(client.command("RCPT TO:<carol@elsewhere.test>"), 250);
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(SmtpClient.dataOf(MailFlowIT.MESSAGE));
            SmtpClient.expect(client.read(), 250);
        }
        String envelope = awaitQueuedEnvelope();
        assertTrue(envelope, envelope.contains("\nrequire-tls: true\n"));
        assertTrue(envelope, envelope.contains("\ntls: true\n"));
        deleteConfiguration(starttls);
        assertAlive();
    }

    @Test
    public void dsnParametersGoWithTheMessageIntoTheQueue() throws Exception {
        start();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO dsn.test"), 250);
            assertEquals(501, client.command("MAIL FROM:<alice@client.test> RET=BODY").code);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test> RET=HDRS ENVID=QQ+2B314"), 250);
            assertEquals("NEVER excludes the others", 501,
                    client.command("RCPT TO:<carol@elsewhere.test> NOTIFY=NEVER,SUCCESS").code);
            assertEquals(501, client.command("RCPT TO:<carol@elsewhere.test> ORCPT=carol@elsewhere.test").code);
            SmtpClient.expect(client.command(
                    "RCPT TO:<carol@elsewhere.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;carol+2Bx@elsewhere.test"), 250);
            SmtpClient.expect(client.command("RCPT TO:<dave@elsewhere.test> NOTIFY=NEVER"), 250);
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(SmtpClient.dataOf(MailFlowIT.MESSAGE));
            SmtpClient.expect(client.read(), 250);
        }
        String envelope = awaitQueuedEnvelope();
        assertTrue(envelope, envelope.contains("\ndsn-ret: HDRS\ndsn-envid: QQ+2B314\n"));
        assertTrue(envelope, envelope.contains(
                "\nrecipient: carol@elsewhere.test\nnotify: SUCCESS,DELAY\norcpt: rfc822;carol+2Bx@elsewhere.test\n"));
        assertTrue(envelope, envelope.contains("\nrecipient: dave@elsewhere.test\nnotify: NEVER\n"));
        assertAlive();
    }

    @Test
    public void rfc5321Details() throws Exception {
        start();
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO details.test"), 250);
            assertEquals(501, client.command("MAIL FROM:").code);
            assertEquals(501, client.command("MAIL FROM:   ").code);
            SmtpClient.expect(client.command("MAIL FROM:<>"), 250);
            assertEquals("250 2.1.5 Ok", client.command("RCPT TO:<Postmaster>").toString());
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(SmtpClient.dataOf(MailFlowIT.MESSAGE));
            SmtpClient.expect(client.read(), 250);
        }
        String text = Files.readString(awaitMessages("postmaster@example.org", 1).get(0));
        assertTrue(text, text.startsWith("Return-Path: <>\r\nDelivered-To: postmaster@example.org\r\n"));
        assertAlive();
    }
}
