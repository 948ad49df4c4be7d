package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.server.events.SmtpEvents;

/**
 * Data-scanning plugins with a real clamd (Debian's clamav-daemon), started by the test with a signature
 * database the test writes: the EICAR test file's MD5 (there is no Internet for freshclam).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ScannerIT extends SuiteSupport {

    /** The EICAR anti-virus test file: harmless, detected by every scanner. */
    static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private Clamd clamd;
    private int clamdPort;
    private int port;
    private final List<Event> events = new CopyOnWriteArrayList<>();

    static byte[] withAttachment(String fileName, byte[] attachment) {
        return ("From: alice@client.test\r\nTo: bob@example.org\r\nSubject: attachment\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                + "--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"" + fileName + "\"\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(attachment) + "\r\n--B--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static final byte[] INFECTED = withAttachment("eicar.txt", EICAR.getBytes(StandardCharsets.US_ASCII));
    static final byte[] CLEAN = withAttachment("notes.txt", "just notes".getBytes(StandardCharsets.US_ASCII));

    private void startClamd() throws Exception {
        if (clamdPort == 0) {
            clamdPort = freePort();
        }
        clamd = new Clamd(work.resolve("clamd"), clamdPort);
    }

    private void stopClamd() throws Exception {
        if (clamd != null) {
            clamd.close();
            clamd = null;
        }
    }

    @After
    public void cleanUp() throws Exception {
        stopClamd();
    }

    /** The suite with the ClamAV scanner bundle, clamd at the given address. */
    private void start(String clamdAddress, Object... clamavSettings) throws Exception {
        Dictionary<String, Object> topics = new Hashtable<>();
        topics.put(EventConstants.EVENT_TOPIC, SmtpEvents.AV_SCAN_RESULT);
        context.registerService(EventHandler.class, events::add, topics);
        configureDelivery("bob@example.org");
        configure("smtp.server", "scanDirectory", work.resolve("scan").toString(),
                "quarantineDirectory", work.resolve("quarantine").toString());
        Object[] settings = new Object[clamavSettings.length + 2];
        settings[0] = "address";
        settings[1] = clamdAddress;
        System.arraycopy(clamavSettings, 0, settings, 2, clamavSettings.length);
        configure("smtp.scan.clamav", settings);
        port = bindLoopback();
        try (LogCapture log = new LogCapture()) {
            startSuite();
            context.installBundle(suiteBundleLocation("smtp.scan.clamav")).start();
            awaitListening("127.0.0.1", port);
            assertNotNull(log.awaitLine(TIMEOUT, "Scanner clamav in use"));
        }
    }

    private SmtpClient.Reply send(byte[] message) throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO scan.test"), 250);
            return client.send("alice@client.test", List.of("bob@example.org"), message);
        }
    }

    @Test
    public void eicarIsRejectedACleanMessageDeliveredAndEachVerdictPosted() throws Exception {
        startClamd();
        start("127.0.0.1:" + clamdPort);
        SmtpClient.Reply rejected = send(INFECTED);
        assertEquals(rejected.toString(), 554, rejected.code);
        assertTrue(rejected.text(), rejected.text().startsWith("5.7.1 Message rejected: Eicar-Test-Signature"));
        assertTrue(rejected.text().endsWith(" found by clamav"));
        assertEquals("the infected message is not stored", List.of(), queued());
        SmtpClient.expect(send(CLEAN), 250);
        Path delivered = awaitMessages("bob@example.org", 1).get(0);
        assertTrue(Files.readString(delivered).contains("filename=\"notes.txt\""));
        assertEquals("only the clean message", 1, files(mailbox("bob@example.org")).size());
        assertEquals(List.of(), files(work.resolve("scan")));

        await("two verdicts", () -> events.size() >= 2 ? true : null);
        Event infected = events.get(0);
        assertEquals("clamav", infected.getProperty(SmtpEvents.SCANNER));
        assertEquals("INFECTED", infected.getProperty(SmtpEvents.VERDICT));
        assertTrue(((String) infected.getProperty(SmtpEvents.THREAT)).startsWith("Eicar-Test-Signature"));
        assertNotNull(infected.getProperty(SmtpEvents.QUEUE_ID));
        assertTrue((Long) infected.getProperty(SmtpEvents.DURATION) >= 0);
        assertEquals("127.0.0.1", infected.getProperty(SmtpEvents.CLIENT_ADDRESS));
        assertEquals("CLEAN", events.get(1).getProperty(SmtpEvents.VERDICT));
    }

    @Test
    public void withClamdDownTheClientIsToldToTryLaterAndNothingIsStored() throws Exception {
        startClamd();
        start("127.0.0.1:" + clamdPort, "timeout", 5);
        stopClamd();
        SmtpClient.Reply later = send(CLEAN);
        assertEquals(later.toString(), 451, later.code);
        assertTrue(later.text(), later.text().startsWith("4.7.1 The message could not be scanned (clamav)"));
        assertEquals(List.of(), files(mailbox("bob@example.org")));
        assertEquals(List.of(), queued());
        startClamd();
        SmtpClient.expect(send(CLEAN), 250);
        awaitMessages("bob@example.org", 1);

        // with onFailure=accept, mail goes through unscanned while clamd is down, and says so
        try (LogCapture log = new LogCapture()) {
            configure("smtp.scan.clamav", "address", "127.0.0.1:" + clamdPort, "timeout", 5, "smtp.scanner.onFailure", "accept");
            assertNotNull(log.awaitLine(TIMEOUT, "Scanner clamav in use"));
        }
        stopClamd();
        SmtpClient.expect(send(CLEAN), 250);
        List<Path> both = awaitMessages("bob@example.org", 2);
        String unscanned = Files.readString(both.get(0)).contains("X-Scan-Result") ? Files.readString(both.get(0))
                : Files.readString(both.get(1));
        assertTrue(unscanned, unscanned.contains("\r\nX-Scan-Result: clamav; not scanned; "));
    }

    @Test
    public void quarantineAndTagPolicies() throws Exception {
        startClamd();
        start("unix:" + work.resolve("clamd/clamd.sock"), "smtp.scanner.onInfected", "quarantine");
        SmtpClient.Reply quarantined = send(INFECTED);
        assertEquals(250, quarantined.code);
        String queueId = quarantined.text().substring(quarantined.text().lastIndexOf(' ') + 1);
        Path folder = work.resolve("quarantine");
        assertTrue(Files.readString(folder.resolve(queueId + ".eml")).contains(Base64.getMimeEncoder()
                .encodeToString(EICAR.getBytes(StandardCharsets.US_ASCII))));
        assertTrue(Files.readString(folder.resolve(queueId + ".txt")).contains("reason: clamav: Eicar-Test-Signature"));
        assertEquals(List.of(), files(mailbox("bob@example.org")));

        try (LogCapture log = new LogCapture()) {
            configure("smtp.scan.clamav", "address", "unix:" + work.resolve("clamd/clamd.sock"), "smtp.scanner.onInfected", "tag");
            assertNotNull(log.awaitLine(TIMEOUT, "Scanner clamav in use"));
        }
        SmtpClient.expect(send(INFECTED), 250);
        String tagged = Files.readString(awaitMessages("bob@example.org", 1).get(0));
        assertTrue(tagged, tagged.contains("\r\nX-Scan-Result: clamav; infected; Eicar-Test-Signature"));
    }

    @Test
    public void aScannerBundleInstalledAtRuntimeJudgesTheNextMessage() throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", "scanDirectory", work.resolve("scan").toString());
        port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        byte[] program = withAttachment("setup.exe", new byte[] {'M', 'Z', 0, 0});
        SmtpClient.expect(send(program), 250);

        Bundle attachments = context.installBundle(suiteBundleLocation("smtp.scan.attachments"));
        try (LogCapture log = new LogCapture()) {
            attachments.start();
            assertNotNull(log.awaitLine(TIMEOUT, "Scanner attachments in use"));
        }
        SmtpClient.Reply refused = send(program);
        assertEquals(refused.toString(), 554, refused.code);
        assertTrue(refused.text(), refused.text().contains("forbidden attachment type .exe (setup.exe)"));
        // a message in BDAT chunks goes past the same scanners
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO scan.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
            int half = program.length / 2;
            client.write(("BDAT " + half + "\r\n").getBytes(StandardCharsets.US_ASCII));
            client.write(java.util.Arrays.copyOfRange(program, 0, half));
            SmtpClient.expect(client.read(), 250);
            client.write(("BDAT " + (program.length - half) + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
            client.write(java.util.Arrays.copyOfRange(program, half, program.length));
            SmtpClient.Reply chunked = client.read();
            assertEquals(chunked.toString(), 554, chunked.code);
            assertTrue(chunked.text(), chunked.text().contains("forbidden attachment type .exe (setup.exe)"));
        }
        SmtpClient.expect(send(CLEAN), 250);

        attachments.uninstall();
        SmtpClient.expect(send(program), 250);
        awaitMessages("bob@example.org", 3);
    }
}
