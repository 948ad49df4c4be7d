package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * SMTP smuggling (CVE-2023-51764/51765/51766): a message whose text holds a
 * bare-line-ending variant of the end-of-data sequence, followed by a second
 * transaction. Whatever the mode, the server stores at most one message and
 * runs none of the smuggled commands.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class SmugglingIT extends SuiteSupport {

    static final String[] SEQUENCES = {"\n.\n", "\r.\n", "\n.\r\n", "\r\n.\r"};

    private static String smuggling(String sequence) {
        return "From: alice@client.test\r\nSubject: first\r\n\r\nfirst part" + sequence
                + "MAIL FROM:<mallory@evil.test>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
                + "From: mallory@evil.test\r\nSubject: smuggled\r\n\r\nsmuggled part\r\n.\r\n";
    }

    private static String name(String sequence) {
        return sequence.replace("\r", "<CR>").replace("\n", "<LF>");
    }

    private int start(String lineEndings) throws Exception {
        configureDelivery("bob@example.org");
        int port = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", port, "bareLineEndings", lineEndings);
        startSuite();
        awaitListening("127.0.0.1", port);
        return port;
    }

    /** Sends the smuggling message with QUIT pipelined behind it and returns the two replies that come back. */
    private static SmtpClient.Reply[] smuggle(int port, String sequence) throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(smuggling(sequence) + "QUIT\r\n");
            return new SmtpClient.Reply[] {client.read(), client.read()};
        }
    }

    /** A fresh client is served: the abuse did not harm the listener. */
    private static void assertAlive(int port) throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO alive.test"), 250);
            assertEquals("250 2.0.0 Ok", client.command("NOOP").toString());
        }
    }

    @Test
    public void rejectedByDefaultNothingStoredNothingSmuggledRuns() throws Exception {
        int port = start("reject");
        for (String sequence : SEQUENCES) {
            SmtpClient.Reply[] replies = smuggle(port, sequence);
            assertEquals(name(sequence) + ": " + replies[0], 550, replies[0].code);
            assertTrue(replies[0].text(), replies[0].text().startsWith("5.6.0 Message refused: bare "));
            assertEquals(name(sequence) + ": the next reply answers QUIT", 221, replies[1].code);
            assertAlive(port);
        }
        assertEquals(List.of(), files(mailbox("bob@example.org")));
        assertEquals(List.of(), queued());
    }

    @Test
    public void normalisedAtMostOneMessageAndNothingSmuggledRuns() throws Exception {
        int port = start("normalise");
        for (String sequence : SEQUENCES) {
            SmtpClient.Reply[] replies = smuggle(port, sequence);
            assertEquals(name(sequence) + ": " + replies[0], 250, replies[0].code);
            assertEquals(name(sequence) + ": the next reply answers QUIT", 221, replies[1].code);
            assertAlive(port);
        }
        List<Path> stored = awaitMessages("bob@example.org", SEQUENCES.length);
        assertEquals("one message per attempt", SEQUENCES.length, stored.size());
        for (Path message : stored) {
            String text = Files.readString(message);
            assertTrue(text, text.startsWith("Return-Path: <alice@client.test>\r\n"));
            assertTrue("the smuggled part is message text: " + text, text.contains("MAIL FROM:<mallory@evil.test>\r\n"));
            assertTrue(text, text.endsWith("smuggled part\r\n"));
            assertTrue("no bare line ending is stored", text.replace("\r\n", "").indexOf('\r') < 0
                    && text.replace("\r\n", "").indexOf('\n') < 0);
        }
    }

    @Test
    public void aBareLineEndingInACommandIsRefusedAndTheConnectionClosed() throws Exception {
        int port = start("reject");
        // the reader refuses a line holding a bare CR or LF when a real CRLF ends it; nothing of it runs
        for (String command : new String[] {"NOOP\nNOOP\r\n", "NOOP\rMAIL FROM:<mallory@evil.test>\r\n"}) {
            try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
                SmtpClient.expect(client.command("EHLO client.test"), 250);
                client.write(command);
                SmtpClient.Reply reply = client.read();
                assertEquals(name(command) + ": " + reply, "500 5.5.2 Error: bare CR or LF in a command; lines must end with CRLF",
                        reply.toString());
                assertTrue(client.closedByServer());
            }
            assertAlive(port);
        }
    }
}
