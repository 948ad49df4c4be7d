package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * The milter client with real milters from Debian, started by the test: OpenDKIM signs and verifies,
 * clamav-milter refuses EICAR, spamass-milter (with spamd) marks and redirects spam; a milter killed in the middle
 * of a session under each failure policy.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class MilterIT extends SuiteSupport {

    private final List<Process> started = new ArrayList<>();
    private int port;

    @After
    public void stopProcesses() throws Exception {
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private Process start(Path directory, String name, String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve(name + ".out").toFile()).start();
        started.add(process);
        return process;
    }

    private void suite(String... mailboxes) throws Exception {
        port = startListening(mailboxes);
        awaitProbeGone();
        context.installBundle(suiteBundleLocation("smtp.milter")).start();
    }

    private void milter(String name, String address, Object... more) throws Exception {
        Object[] settings = new Object[4 + more.length];
        settings[0] = "name";
        settings[1] = name;
        settings[2] = "address";
        settings[3] = address;
        System.arraycopy(more, 0, settings, 4, more.length);
        try (LogCapture log = new LogCapture()) {
            createFactoryConfiguration("smtp.milter", settings);
            assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin milter:" + name + " in use"));
        }
    }

    /** OpenDKIM signing for signed.test (clients on 127.0.0.1) and verifying (others), its key given as a test key. */
    private Process opendkim(Path directory, int milterPort) throws Exception {
        Files.createDirectories(directory);
        Process keygen = new ProcessBuilder("opendkim-genkey", "-b", "1024", "-d", "signed.test", "-s", "sel", "-D",
                directory.toString()).redirectErrorStream(true).start();
        assertEquals(0, keygen.waitFor());
        String record = Files.readString(directory.resolve("sel.txt"));
        StringBuilder key = new StringBuilder();
        for (String part : record.split("\"")) {
            if (part.startsWith("v=") || part.startsWith("p=")) {
                key.append(part);
            }
        }
        Files.writeString(directory.resolve("keys"), "sel._domainkey.signed.test " + key + "\n");
        Files.writeString(directory.resolve("opendkim.conf"), "Background no\nSyslog no\nMode sv\nSocket inet:"
                + milterPort + "@127.0.0.1\nDomain signed.test\nSelector sel\nKeyFile " + directory.resolve("sel.private")
                + "\nCanonicalization relaxed/relaxed\nInternalHosts 127.0.0.1\nTestPublicKeys " + directory.resolve("keys")
                + "\nAuthservID mx.itest\nRequireSafeKeys false\n");
        Process process = start(directory, "opendkim", "opendkim", "-f", "-x", directory.resolve("opendkim.conf").toString());
        await("opendkim listening", () -> accepts("127.0.0.1", milterPort) ? true : null);
        return process;
    }

    private String send(String source, String from, String to, String message) throws IOException {
        try (SmtpClient client = SmtpClient.from(source, "127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO milter.test"), 250);
            return client.attempt(from, List.of(to), message.getBytes(StandardCharsets.UTF_8)).toString();
        }
    }

    private static final String SIGNED_MESSAGE = "From: Alice <alice@signed.test>\r\nTo: bob@example.org\r\n"
            + "Subject: signed by opendkim\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@signed.test>\r\n\r\n"
            + "A message that OpenDKIM signs.\r\n";

    @Test
    public void opendkimSignsAndThenVerifiesTheSignatureItMade() throws Exception {
        int milterPort = freePort();
        suite("bob@example.org", "carol@example.org");
        opendkim(work.resolve("opendkim"), milterPort);
        try (LogCapture log = new LogCapture()) {
            milter("dkim", "inet:" + milterPort + "@127.0.0.1");
            assertTrue(send("127.0.0.1", "alice@signed.test", "bob@example.org", SIGNED_MESSAGE).startsWith("250 "));
            String signed = Files.readString(awaitMessages("bob@example.org", 1).get(0));
            assertTrue(signed, signed.contains("\r\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=signed.test;"));
            assertTrue(signed, signed.indexOf("DKIM-Signature:") < signed.indexOf("\r\nReceived: "));

            // the signed message again, from a client that is not internal: OpenDKIM verifies it
            String again = signed.substring(signed.indexOf("DKIM-Signature:"));
            assertTrue(send("127.0.0.5", "alice@signed.test", "carol@example.org", again).startsWith("250 "));
            String verified = Files.readString(awaitMessages("carol@example.org", 1).get(0));
            assertTrue(verified, verified.contains("Authentication-Results: mx.itest;\r\n\tdkim=pass (1024-bit key) "
                    + "header.d=signed.test"));

            // a changed body breaks the signature
            String tampered = again.replace("A message that OpenDKIM signs.", "A message that someone changed.");
            assertTrue(send("127.0.0.5", "alice@signed.test", "carol@example.org", tampered).startsWith("250 "));
            String failed = Files.readString(awaitMessages("carol@example.org", 2).get(1));
            assertTrue(failed, failed.contains("dkim=fail"));
            assertEquals("three sessions, a connection each", 3,
                    java.util.Arrays.stream(log.text().split("\n")).filter(line -> line.contains("Milter dkim: connected to")).count());
        }
    }

    @Test
    public void aMilterKilledInTheMiddleOfASessionIsHandledByEachFailurePolicy() throws Exception {
        int milterPort = freePort();
        suite("bob@example.org");
        String[][] policies = {{"tempfail", "451 4.7.1 Policy check milter:dkim unavailable, try again later"},
            {"reject", "550 5.7.1 Policy check milter:dkim failed"}, {"accept", "250 2.1.5 Ok"}};
        String pid = null;
        for (String[] policy : policies) {
            Process opendkim = opendkim(work.resolve("opendkim-" + policy[0]), milterPort);
            if (pid != null) {
                deleteConfiguration(pid);
            }
            try (LogCapture log = new LogCapture()) {
                pid = createFactoryConfiguration("smtp.milter", "name", "dkim", "address", "127.0.0.1:" + milterPort,
                        "onFailure", policy[0]);
                assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin milter:dkim in use"));
            }
            try (SmtpClient client = SmtpClient.from("127.0.0.5", "127.0.0.1", port)) {
                SmtpClient.expect(client.command("EHLO milter.test"), 250);
                SmtpClient.expect(client.command("MAIL FROM:<alice@signed.test>"), 250);
                opendkim.destroyForcibly(); // kill -9, in the middle of the session
                assertTrue(opendkim.waitFor(10, TimeUnit.SECONDS));
                assertEquals(policy[0], policy[1], client.command("RCPT TO:<bob@example.org>").toString());
                if (policy[0].equals("accept")) {
                    SmtpClient.expect(client.command("DATA"), 354);
                    client.write(SmtpClient.dataOf(SIGNED_MESSAGE.getBytes(StandardCharsets.UTF_8)));
                    assertTrue("without the milter, the message is taken", client.read().code == 250);
                }
            }
        }
        String delivered = Files.readString(awaitMessages("bob@example.org", 1).get(0));
        assertFalse("not signed: the milter was gone", delivered.contains("DKIM-Signature"));
    }

    @Test
    public void clamavMilterRefusesEicarAndLetsACleanMessageThrough() throws Exception {
        Path directory = Files.createDirectories(work.resolve("clamav-milter"));
        try (Clamd clamd = new Clamd(work.resolve("clamd"), freePort())) {
            int milterPort = freePort();
            Files.writeString(directory.resolve("clamav-milter.conf"), "MilterSocket inet:" + milterPort + "@127.0.0.1\n"
                    + "ClamdSocket tcp:127.0.0.1:" + clamd.port + "\nForeground yes\nOnInfected Reject\nOnFail Defer\n"
                    + "AddHeader Replace\nRejectMsg Rejecting harmful e-mail: %v found\nLogFile " + directory.resolve("clamav-milter.log") + "\n");
            start(directory, "clamav-milter", "clamav-milter", "--config-file=" + directory.resolve("clamav-milter.conf"));
            await("clamav-milter listening", () -> accepts("127.0.0.1", milterPort) ? true : null);
            suite("bob@example.org");
            milter("clamav", "inet:" + milterPort + "@127.0.0.1");
            String infected = send("127.0.0.5", "alice@client.test", "bob@example.org",
                    new String(ScannerIT.INFECTED, StandardCharsets.US_ASCII));
            assertEquals("550 5.7.1 Rejecting harmful e-mail: Eicar-Test-Signature.UNOFFICIAL found", infected);
            assertTrue(send("127.0.0.5", "alice@client.test", "bob@example.org",
                    new String(ScannerIT.CLEAN, StandardCharsets.US_ASCII)).startsWith("250 "));
            String delivered = Files.readString(awaitMessages("bob@example.org", 1).get(0));
            assertTrue(delivered, delivered.contains("\r\nX-Virus-Status: Clean\r\n"));
        }
    }

    /** GTUBE, the spam test string: SpamAssassin scores it 1000. */
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    @Test
    public void spamassMilterMarksRewritesAndRedirectsSpamOverAUnixSocket() throws Exception {
        Path directory = Files.createDirectories(work.resolve("spamass"));
        int spamdPort = freePort();
        start(directory, "spamd", "spamd", "--listen=127.0.0.1:" + spamdPort, "--allowed-ips=127.0.0.1", "-L", "-x",
                "--username=nobody", "--max-children=2", "--pidfile=" + directory.resolve("spamd.pid"));
        Path socket = directory.resolve("spamass.sock");
        start(directory, "spamass-milter", "spamass-milter", "-p", socket.toString(), "-b", "trap@example.org", "--",
                "-d", "127.0.0.1", "-p", Integer.toString(spamdPort));
        suite("bob@example.org", "trap@example.org");
        java.time.Duration slow = java.time.Duration.ofSeconds(90); // spamd compiles its rules first
        long deadline = System.nanoTime() + slow.toNanos();
        while (!(Files.exists(socket) && accepts("127.0.0.1", spamdPort)) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue("spamd and spamass-milter listening", Files.exists(socket) && accepts("127.0.0.1", spamdPort));
        milter("spamass", "unix:" + socket, "commandTimeout", 60000);

        String spam = "From: spammer@far.test\r\nTo: bob@example.org\r\nSubject: buy now\r\n\r\n" + GTUBE + "\r\n";
        assertTrue(send("127.0.0.5", "spammer@far.test", "bob@example.org", spam).startsWith("250 "));
        String trapped = Files.readString(awaitMessages("trap@example.org", 1).get(0));
        assertTrue(trapped, trapped.contains("\r\nX-Spam-Flag: YES\r\n"));
        assertTrue("the body replaced by SpamAssassin's report:\n" + trapped, trapped.contains("Spam detection software"));
        assertTrue("the content type changed:\n" + trapped, trapped.contains("\r\nContent-Type: multipart/mixed; boundary="));
        assertTrue(trapped, trapped.contains("\r\nX-Spam-Orig-To: <bob@example.org>\r\n"));
        assertTrue("redirected: bob got nothing", files(mailbox("bob@example.org")).isEmpty());

        String ham = "From: friend@far.test\r\nTo: bob@example.org\r\nSubject: lunch\r\n\r\nLunch at noon?\r\n";
        assertTrue(send("127.0.0.5", "friend@far.test", "bob@example.org", ham).startsWith("250 "));
        String delivered = Files.readString(awaitMessages("bob@example.org", 1).get(0));
        assertTrue(delivered, delivered.contains("\r\nX-Spam-Status: No, "));
        assertTrue(delivered, delivered.endsWith("Lunch at noon?\r\n"));
    }

    @Test
    public void opendmarcRefusesASpoofedFromUnderPReject() throws Exception {
        org.junit.Assume.assumeTrue("opendmarc reads /etc/resolv.conf: the test gives it its own in a mount namespace, "
                + "which needs root", "root".equals(System.getProperty("user.name")));
        Path directory = Files.createDirectories(work.resolve("opendmarc"));
        try (Dnsmasq dns = new Dnsmasq(directory.resolve("dns"), "127.0.3.53", 53, List.of("--local=/bank.test/",
                "--local=/other.test/", "--txt-record=_dmarc.bank.test,v=DMARC1; p=reject"))) {
            Files.writeString(directory.resolve("resolv.conf"), "nameserver " + dns.address + "\n");
            int milterPort = freePort();
            Files.writeString(directory.resolve("opendmarc.conf"), "Background no\nSyslog no\nSocket inet:" + milterPort
                    + "@127.0.0.1\nAuthservID mx.itest\nRejectFailures true\nSPFSelfValidate true\nDNSTimeout 5\n"
                    + "PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat\n");
            start(directory, "opendmarc", "unshare", "--mount", "sh", "-c", "mount --bind " + directory.resolve("resolv.conf")
                    + " /etc/resolv.conf && exec opendmarc -f -c " + directory.resolve("opendmarc.conf"));
            await("opendmarc listening", () -> accepts("127.0.0.1", milterPort) ? true : null);
            suite("bob@example.org");
            milter("dmarc", "inet:" + milterPort + "@127.0.0.1");

            String spoofed = "From: The Bank <ceo@bank.test>\r\nTo: bob@example.org\r\nSubject: wire the money\r\n"
                    + "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <2@far.test>\r\n\r\nNow.\r\n";
            assertEquals("550 5.7.1 rejected by DMARC policy for bank.test",
                    send("127.0.0.5", "someone@far.test", "bob@example.org", spoofed));
            assertTrue(dns.queries("TXT", "_dmarc.bank.test") >= 1);

            String other = spoofed.replace("ceo@bank.test", "ceo@other.test");
            assertTrue(send("127.0.0.5", "someone@far.test", "bob@example.org", other).startsWith("250 "));
            String delivered = Files.readString(awaitMessages("bob@example.org", 1).get(0));
            assertTrue(delivered, delivered.contains("Authentication-Results: mx.itest; dmarc=none (p=none dis=none) "
                    + "header.from=other.test"));
        }
    }

    @Test
    public void connectionsAreReusedWhereTheMilterAllowsAndASlowMilterHoldsOnlyItsOwnSession() throws Exception {
        try (ScriptedMilter scripted = new ScriptedMilter()) {
            suite("bob@example.org", "slow@example.org");
            milter("scripted", "127.0.0.1:" + scripted.port, "reuseConnections", true);
            for (int i = 0; i < 3; i++) {
                assertTrue(send("127.0.0.5", "alice@client.test", "bob@example.org", "Subject: " + i + "\r\n\r\nhi\r\n")
                        .startsWith("250 "));
                // the client's next session may begin before the server has ended this one and handed its milter
                // connection back: wait for the QUIT_NC that comes with the hand-back
                int ended = i + 1;
                await("session " + ended + " ended with QUIT_NC",
                        () -> scripted.commands.stream().filter(c -> c == 'K').count() == ended ? true : null);
            }
            await("three sessions negotiated", () -> scripted.negotiations.get() == 3 ? true : null);
            assertEquals("one connection served the three sessions", 1, scripted.connections.get());

            java.util.concurrent.ExecutorService slowClient = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                java.util.concurrent.Future<String> slow = slowClient.submit(() -> send("127.0.0.5", "alice@client.test",
                        "slow@example.org", "Subject: slow\r\n\r\nslow\r\n"));
                assertTrue(scripted.slowAsked.await(15, TimeUnit.SECONDS));
                // the milter holds the slow session; another session goes through meanwhile
                assertTrue(send("127.0.0.6", "alice@client.test", "bob@example.org", "Subject: fast\r\n\r\nfast\r\n")
                        .startsWith("250 "));
                assertFalse("the slow session still waits for its milter", slow.isDone());
                assertEquals(4, awaitMessages("bob@example.org", 4).size());
                scripted.release.countDown();
                assertTrue(slow.get(15, TimeUnit.SECONDS).startsWith("250 "));
            } finally {
                slowClient.shutdownNow();
            }
            assertEquals("the slow session had a connection of its own", 2, scripted.connections.get());
        }
    }

    @Test
    public void aMilterAskedOnlyAtTheEndOfTheMessageIsConnectedThenAndToldAboutTheSessionFirst() throws Exception {
        try (ScriptedMilter scripted = new ScriptedMilter()) {
            suite("bob@example.org");
            milter("late", "127.0.0.1:" + scripted.port, "stages", new String[] {"END_OF_MESSAGE"});
            try (SmtpClient client = SmtpClient.from("127.0.0.5", "127.0.0.1", port)) {
                SmtpClient.expect(client.command("EHLO milter.test"), 250);
                SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
                SmtpClient.expect(client.command("RCPT TO:<bob@example.org>"), 250);
                assertEquals("not connected before the end of the message", 0, scripted.connections.get());
                SmtpClient.expect(client.command("DATA"), 354);
                client.write(SmtpClient.dataOf("Subject: late\r\n\r\nlate\r\n".getBytes(StandardCharsets.US_ASCII)));
                SmtpClient.expect(client.read(), 250);
            }
            assertEquals(1, scripted.connections.get());
            List<Character> told = await("the milter told the whole message", () -> scripted.commands.size() >= 11
                    ? List.copyOf(scripted.commands) : null);
            assertEquals("the connection, HELO, MAIL and RCPT first, as the protocol needs; Received and Subject",
                    List.of('O', 'C', 'H', 'M', 'R', 'T', 'L', 'L', 'N', 'B', 'E'), told.subList(0, 11));
        }
    }
}
