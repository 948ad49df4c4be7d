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
 * its ENVID and ORCPT.
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

    /** Starts a private Postfix in the foreground, listening on loopback, relaying everything to the suite. */
    private int startPostfix(int suitePort) throws Exception {
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
}
