package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.ServiceReference;

import smtp.delivery.spi.QueueStore;

/**
 * A real Postfix (Debian's) relays into the suite: a private instance on loopback, its own configuration and
 * queue, whose relay host is the suite. What a client hands Postfix with SMTPUTF8 and DSN parameters arrives with
 * them: the UTF-8 recipient gets the message, and the success report the client asked for (NOTIFY=SUCCESS) names
 * its ENVID and ORCPT. And the suite relays to Postfix over STARTTLS, with Postfix's certificate checked.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class PostfixIT extends SuiteSupport {

    private Process postfix;
    private Path postfixDir;

    @After
    public void stopPostfix() throws Exception {
        if (postfix != null) {
            // "postfix stop" ends the master this test started (its pid file is in this test's queue directory)
            new ProcessBuilder("postfix", "-c", postfixDir.resolve("etc").toString(), "stop")
                    .redirectErrorStream(true).redirectOutput(postfixDir.resolve("stop.log").toFile()).start()
                    .waitFor(30, TimeUnit.SECONDS);
            if (!postfix.waitFor(30, TimeUnit.SECONDS)) {
                postfix.destroyForcibly();
            }
        }
        if (postfixDir != null) {
            try (Stream<Path> files = Files.walk(postfixDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /**
     * Starts a private Postfix in the foreground, listening on loopback, relaying everything to the suite.
     *
     * @param extra more lines for its main.cf
     */
    private int startPostfix(int suitePort, String... extra) throws Exception {
        // absolute (postfix -c wants it) and short: the queue's unix sockets must fit in 108 bytes
        postfixDir = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "pf-");
        Files.setPosixFilePermissions(postfixDir, PosixFilePermissions.fromString("rwxr-xr-x")); // postfix's daemons enter it
        Path etc = Files.createDirectories(postfixDir.resolve("etc"));
        Files.createDirectories(postfixDir.resolve("queue"));
        Path data = Files.createDirectories(postfixDir.resolve("data"));
        new ProcessBuilder("chown", "postfix", data.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        int port = freePort();
        Files.writeString(etc.resolve("main.cf"), String.join("\n",
                "compatibility_level = 3.6",
                "queue_directory = " + postfixDir.resolve("queue"),
                "data_directory = " + data,
                "myhostname = postfix.itest",
                "mydestination =",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "mynetworks = 127.0.0.0/8",
                "smtpd_recipient_restrictions = permit_mynetworks, reject",
                "relayhost = [127.0.0.1]:" + suitePort,
                "smtputf8_enable = yes",
                "smtp_tls_security_level = none",
                "alias_maps =",
                "alias_database =",
                "local_recipient_maps =",
                "maillog_file_prefixes = " + postfixDir,
                "maillog_file = " + postfixDir.resolve("maillog"),
                String.join("\n", extra),
                ""));
        Files.writeString(etc.resolve("master.cf"), String.join("\n",
                "127.0.0.1:" + port + " inet n - n - - smtpd",
                "pickup    unix n - n 60 1 pickup",
                "cleanup   unix n - n - 0 cleanup",
                "qmgr      unix n - n 300 1 qmgr",
                "rewrite   unix - - n - - trivial-rewrite",
                "bounce    unix - - n - 0 bounce",
                "defer     unix - - n - 0 bounce",
                "trace     unix - - n - 0 bounce",
                "verify    unix - - n - 1 verify",
                "flush     unix n - n 1000? 0 flush",
                "proxymap  unix - - n - - proxymap",
                "showq     unix n - n - - showq",
                "error     unix - - n - - error",
                "retry     unix - - n - - error",
                "discard   unix - - n - - discard",
                "smtp      unix - - n - - smtp",
                "relay     unix - - n - - smtp",
                "anvil     unix - - n - 1 anvil",
                "scache    unix - - n - 1 scache",
                "postlog   unix-dgram n - n - 1 postlogd",
                "tlsmgr    unix - - n 1000? 1 tlsmgr",
                ""));
        Process check = new ProcessBuilder("postfix", "-c", etc.toString(), "check").redirectErrorStream(true).start();
        assertTrue(check.waitFor(60, TimeUnit.SECONDS));
        assertEquals(new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8), 0, check.exitValue());
        postfix = new ProcessBuilder("postfix", "-c", etc.toString(), "start-fg").redirectErrorStream(true)
                .redirectOutput(postfixDir.resolve("start.log").toFile()).start();
        awaitListening("127.0.0.1", port);
        return port;
    }

    @Test
    public void postfixRelaysUtf8AndDsnIntoTheSuite() throws Exception {
        configureDelivery("j\u00f6rg@example.org");
        configure("smtp.server", "hostName", "mx.itest");
        int suite = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", suite);
        int port = startPostfix(suite);

        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.Reply ehlo = SmtpClient.expect(client.command("EHLO client.test"), 250);
            assertTrue(ehlo.lines.toString(), ehlo.lines.contains("SMTPUTF8") && ehlo.lines.contains("DSN"));
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test> SMTPUTF8 RET=HDRS ENVID=PF+2B1"), 250);
            SmtpClient.expect(client.command(
                    "RCPT TO:<j\u00f6rg@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;jorg@example.org"), 250);
            SmtpClient.expect(client.command("DATA"), 354);
            client.write(SmtpClient.dataOf(("From: alice@client.test\r\nTo: j\u00f6rg@example.org\r\n"
                    + "Subject: Gr\u00fc\u00dfe via Postfix\r\n\r\nSch\u00f6ne Gr\u00fc\u00dfe\r\n").getBytes(StandardCharsets.UTF_8)));
            SmtpClient.expect(client.read(), 250);
        }

        Path delivered = awaitMessages("j\u00f6rg@example.org", 1).get(0);
        String text = Files.readString(delivered, StandardCharsets.UTF_8);
        assertTrue(text, text.startsWith("Return-Path: <alice@client.test>\r\nDelivered-To: j\u00f6rg@example.org\r\n"));
        assertTrue("Postfix used SMTPUTF8: " + text, text.contains("by mx.itest (SMTP Suite 0.1.0) with UTF8SMTP id "));
        assertTrue(text, text.contains("Subject: Gr\u00fc\u00dfe via Postfix\r\n"));

        // Postfix passed NOTIFY, ORCPT and ENVID on: the suite reports the delivery to the sender (waiting in the
        // queue, as client.test is nowhere to be reached)
        String report = await("the success report in the queue", () -> {
            ServiceReference<QueueStore> ref = context.getServiceReference(QueueStore.class);
            try {
                return context.getService(ref).list().stream().map(entry -> entry.envelope)
                        .filter(envelope -> envelope.contains("\nrecipient: alice@client.test\n")).findFirst().orElse(null);
            } finally {
                context.ungetService(ref);
            }
        });
        assertTrue("a report has the null sender: " + report, report.contains("\nreverse-path:"));
        String maillog = Files.readString(postfixDir.resolve("maillog"));
        assertNotNull(maillog);
        assertTrue(maillog, maillog.contains("relay=127.0.0.1[127.0.0.1]:" + suite) && maillog.contains("status=sent"));
    }

    /**
     * The suite relays mail for another domain to Postfix, its smarthost, over STARTTLS with the certificate
     * checked (outboundTls required; Postfix's certificate, self-signed for 127.0.0.1, trusted). Postfix rewrites the
     * recipient to a mailbox of the suite and relays the message back, with its Received header saying how the
     * message came in.
     */
    @Test
    public void theSuiteRelaysToPostfixOverStarttlsWithTheCertificateChecked() throws Exception {
        int suite = bindLoopback();
        Path tls = Files.createDirectories(work.resolve("postfix-tls"));
        Openssl.Result made = Openssl.run("req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=postfix.itest",
                "-addext", "subjectAltName=IP:127.0.0.1", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", tls.resolve("key.pem").toString(), "-out", tls.resolve("cert.pem").toString());
        assertEquals(made.output(), 0, made.exit());
        int port = startPostfix(suite,
                "smtpd_tls_security_level = may",
                "smtpd_tls_cert_file = " + tls.resolve("cert.pem"),
                "smtpd_tls_key_file = " + tls.resolve("key.pem"),
                "smtpd_tls_received_header = yes",
                "smtpd_tls_loglevel = 1",
                "recipient_canonical_maps = static:bob@example.org");
        configure("smtp.delivery", "mailboxRoot", mail.toString(), "localDomains", new String[] {"example.org"},
                "mailboxes", new String[] {"bob@example.org"}, "hostName", "itest", "smarthost", "127.0.0.1:" + port,
                "outboundTls", "required", "trustedCertificates", tls.resolve("cert.pem").toString());
        configure("smtp.server", "hostName", "mx.itest");
        startSuite();
        awaitListening("127.0.0.1", suite);

        try (SmtpClient client = new SmtpClient("127.0.0.1", suite)) {
            SmtpClient.expect(client.command("EHLO client.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("carol@elsewhere.test"),
                    "Subject: over TLS to Postfix\r\n\r\nand back\r\n".getBytes(StandardCharsets.US_ASCII)), 250);
        }

        String text = Files.readString(awaitMessages("bob@example.org", 1).get(0), StandardCharsets.UTF_8);
        assertTrue("Postfix took it from the suite over TLS 1.3: " + text,
                text.matches("(?s).*Received: from itest \\(localhost \\[127\\.0\\.0\\.1\\]\\)\\s+\\(using TLSv1\\.3 with cipher .*"
                        + "by postfix\\.itest \\(Postfix\\) with ESMTPS id .*"));
        assertTrue(text, text.contains("\r\nSubject: over TLS to Postfix\r\n"));
        assertTrue(text, text.contains("\r\n\r\nand back\r\n"));
        String maillog = Files.readString(postfixDir.resolve("maillog"));
        assertTrue(maillog, maillog.contains("TLS connection established from localhost[127.0.0.1]: TLSv1.3"));
    }
}
