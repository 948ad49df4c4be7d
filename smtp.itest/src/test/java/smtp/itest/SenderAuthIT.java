package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * The sender-authentication bundle in the framework, its DNS served by dnsmasq on loopback: a message signed by
 * OpenDKIM passes DKIM and DMARC, a spoofed From is refused under p=reject, a broken signature fails, a DNS failure
 * defers, an SPF include loop is a permanent error, and a DNS timeout or SERVFAIL defers.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class SenderAuthIT extends SuiteSupport {

    private final List<Process> started = new ArrayList<>();
    private Dnsmasq dns;
    private DatagramSocket silent;
    private int port;

    @Override
    @Configuration
    public Option[] configuration() {
        return withDnsjava();
    }

    @After
    public void stop() throws Exception {
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        if (dns != null) {
            dns.close();
        }
        if (silent != null) {
            silent.close();
        }
    }

    private String send(String source, String from, String to, String message) throws IOException {
        try (SmtpClient client = SmtpClient.from(source, "127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO mail.far.test"), 250);
            return client.attempt(from, List.of(to), message.getBytes(StandardCharsets.UTF_8)).toString();
        }
    }

    @Test
    public void spfDkimAndDmarcWithRecordsFromTheDns() throws Exception {
        Path directory = Files.createDirectories(work.resolve("senderauth"));
        // OpenDKIM's key for signed.test, as its TXT record
        Process keygen = new ProcessBuilder("opendkim-genkey", "-b", "1024", "-d", "signed.test", "-s", "sel", "-D",
                directory.toString()).redirectErrorStream(true).start();
        assertEquals(0, keygen.waitFor());
        StringBuilder key = new StringBuilder();
        for (String part : Files.readString(directory.resolve("sel.txt")).split("\"")) {
            if (part.startsWith("v=") || part.startsWith("p=")) {
                key.append(part);
            }
        }
        silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)); // a name server that never answers
        dns = Dnsmasq.onFreePort(directory.resolve("dns"), List.of("--local=/signed.test/", "--local=/bank.test/",
                "--local=/far.test/", "--local=/loop.test/", "--local=/other.test/",
                "--server=/slow.test/127.0.0.1#" + silent.getLocalPort(),
                "--server=/broken.test/127.0.0.1#" + freePort(), // nothing listens there: SERVFAIL
                "--txt-record=sel._domainkey.signed.test," + key,
                "--txt-record=signed.test,v=spf1 ip4:127.0.0.1 -all",
                "--txt-record=_dmarc.signed.test,v=DMARC1; p=reject",
                "--txt-record=_dmarc.bank.test,v=DMARC1; p=reject",
                "--txt-record=far.test,v=spf1 ip4:127.0.0.0/24 -all",
                "--txt-record=a.loop.test,v=spf1 include:b.loop.test -all",
                "--txt-record=b.loop.test,v=spf1 include:a.loop.test -all"));

        // OpenDKIM signs what clients on 127.0.0.1 send for signed.test, through the milter client
        int milterPort = freePort();
        Files.writeString(directory.resolve("opendkim.conf"), "Background no\nSyslog no\nMode s\nSocket inet:" + milterPort
                + "@127.0.0.1\nDomain signed.test\nSelector sel\nKeyFile " + directory.resolve("sel.private")
                + "\nCanonicalization relaxed/simple\nInternalHosts 127.0.0.1\nRequireSafeKeys false\n");
        started.add(new ProcessBuilder("opendkim", "-f", "-x", directory.resolve("opendkim.conf").toString())
                .redirectErrorStream(true).redirectOutput(directory.resolve("opendkim.out").toFile()).start());
        await("opendkim listening", () -> accepts("127.0.0.1", milterPort) ? true : null);

        port = startListening(new String[] {"bob@example.org"});
        awaitProbeGone();
        configure("smtp.senderauth", "nameservers", new String[] {"127.0.0.1:" + dns.port}, "timeout", 1000,
                "smtp.policy.usage", new String[0], "smtp.policy.bindings", new String[0], "authservId", "mx.itest");
        createFactoryConfiguration("smtp.milter", "name", "dkim", "address", "127.0.0.1:" + milterPort,
                "service.ranking", -200, "smtp.policy.usage", new String[0]);
        try (LogCapture log = new LogCapture()) {
            context.installBundle(suiteBundleLocation("smtp.milter")).start();
            context.installBundle(suiteBundleLocation("smtp.senderauth")).start();
            assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin senderauth in use"));
            assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin milter:dkim in use"));
        }

        // 1. from 127.0.0.1 (SPF passes), signed by OpenDKIM on its way in
        String message = "From: Alice <alice@signed.test>\r\nTo: bob@example.org\r\nSubject: signed\r\n"
                + "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <3@signed.test>\r\n\r\nSigned by OpenDKIM.\r\n";
        assertTrue(send("127.0.0.1", "alice@signed.test", "bob@example.org", message).startsWith("250 "));
        String first = Files.readString(awaitMessages("bob@example.org", 1).get(0));
        assertTrue(first, first.contains("Authentication-Results: mx.itest; spf=pass smtp.mailfrom=alice@signed.test; "
                + "dkim=none; dmarc=pass (p=reject) header.from=signed.test"));
        assertTrue(first, first.contains("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=signed.test;"));

        // 2. the signed message again, from another client that SPF does not allow: DKIM vouches for it
        String signed = first.substring(first.indexOf("DKIM-Signature:"));
        assertTrue(send("127.0.0.5", "alice@signed.test", "bob@example.org", signed).startsWith("250 "));
        String second = Files.readString(awaitMessages("bob@example.org", 2).get(1));
        assertTrue(second, second.contains("Authentication-Results: mx.itest; spf=fail smtp.mailfrom=alice@signed.test; "
                + "dkim=pass header.d=signed.test header.s=sel; dmarc=pass (p=reject) header.from=signed.test"));

        // 3. a broken signature: DKIM fails, SPF fails, DMARC's p=reject refuses it
        String broken = signed.replace("Signed by OpenDKIM.", "Changed on the way.");
        assertEquals("550 5.7.1 Message rejected: the DMARC policy of signed.test is reject, and no aligned SPF or DKIM "
                + "pass vouches for it", send("127.0.0.5", "alice@signed.test", "bob@example.org", broken));

        // 4. a spoofed From under p=reject
        String spoofed = "From: The Bank <ceo@bank.test>\r\nTo: bob@example.org\r\nSubject: wire the money\r\n\r\nNow.\r\n";
        assertTrue(send("127.0.0.5", "someone@far.test", "bob@example.org", spoofed).startsWith("550 5.7.1 Message "
                + "rejected: the DMARC policy of bank.test is reject"));

        // 5. an SPF include loop: a permanent error, recorded; the From domain publishes no DMARC policy
        String looped = "From: x@other.test\r\nTo: bob@example.org\r\nSubject: loop\r\n\r\nloop\r\n";
        assertTrue(send("127.0.0.5", "x@a.loop.test", "bob@example.org", looped).startsWith("250 "));
        String third = Files.readString(awaitMessages("bob@example.org", 3).get(2));
        assertTrue(third, third.contains("spf=permerror (more than 10 DNS lookups, RFC 7208 4.6.4) smtp.mailfrom=x@a.loop.test"));
        assertTrue(third, third.contains("dmarc=none header.from=other.test"));

        // 6. a DNS timeout (the From domain's DMARC record): never a silent pass, the client tries again later
        String slow = "From: x@slow.test\r\nTo: bob@example.org\r\nSubject: slow\r\n\r\nslow\r\n";
        assertEquals("451 4.7.5 Sender authentication failed for now (DNS), try again later",
                send("127.0.0.5", "someone@far.test", "bob@example.org", slow));

        // 7. a temporary error of the name server (SERVFAIL for the sender's SPF record): the same
        assertEquals("451 4.7.5 Sender authentication failed for now (DNS), try again later",
                send("127.0.0.5", "someone@broken.test", "bob@example.org", looped));
        assertEquals("nothing else arrived", 3, files(mailbox("bob@example.org")).size());
    }
}
