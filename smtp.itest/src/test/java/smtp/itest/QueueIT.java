package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.ServiceReference;

import smtp.delivery.api.MailQueue;
import smtp.delivery.api.QueueStatusDTO;
import smtp.delivery.api.QueuedMessageDTO;

/**
 * The delivery queue in the framework: on the broker embedded by smtp.queue.artemis (the default) and on the file
 * spool; kept across a restart of the queue bundle; a sender held back while the delivery workers are behind; full
 * or out of reach, the listener answers 451 4.3.0 and the health check says why.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class QueueIT extends SuiteSupport {

    private static final byte[] MESSAGE = "Subject: queued\r\n\r\nfor elsewhere\r\n".getBytes(StandardCharsets.US_ASCII);

    private int start() throws Exception {
        configureDelivery("bob@example.org");
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        return port;
    }

    private static SmtpClient.Reply send(int port, String recipient) throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO queue.test"), 250);
            SmtpClient.Reply reply = client.send("alice@client.test", List.of(recipient), MESSAGE);
            client.command("QUIT");
            return reply;
        }
    }

    private MailQueue mailQueue() throws Exception {
        return await("the MailQueue service", () -> {
            ServiceReference<MailQueue> ref = context.getServiceReference(MailQueue.class);
            return ref == null ? null : context.getService(ref);
        });
    }

    private Result deliveryHealth() throws Exception {
        ServiceReference<HealthCheck> reference = await("the delivery health check", () -> {
            var found = context.getServiceReferences(HealthCheck.class, "(" + HealthCheck.NAME + "=SMTP delivery)");
            return found.isEmpty() ? null : found.iterator().next();
        });
        return context.getService(reference).execute();
    }

    private static String text(Result result) {
        return result.iterator().next().getMessage();
    }

    @Test
    public void aDeferredMessageOutlivesARestartOfTheQueueBundle() throws Exception {
        int port = start();
        SmtpClient.Reply accepted = send(port, "carol@elsewhere.test"); // its smarthost does not answer: deferred
        assertEquals(accepted.toString(), 250, accepted.code);
        String queueId = accepted.text().substring("2.0.0 Ok: queued as ".length());
        MailQueue mailQueue = mailQueue();
        await("the first attempt", () -> {
            QueuedMessageDTO message = mailQueue.get(queueId);
            return message != null && message.attempts == 1 ? true : null;
        });
        QueueStatusDTO status = mailQueue.status();
        assertEquals("artemis", status.store);
        assertTrue(status.location, status.location.startsWith("embedded broker, journal " + queue));
        assertEquals(1, status.messages);
        assertEquals(1, status.deferred);

        installedBundle("smtp.queue.artemis").stop(); // the broker with it; delivery waits for a store
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO queue.test"), 250);
            SmtpClient.expect(client.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.Reply refused = client.command("RCPT TO:<carol@elsewhere.test>");
            assertEquals(refused.toString(), 451, refused.code);
            assertTrue(refused.text(), refused.text().startsWith("4.3.0 "));
        }
        assertEquals(Result.Status.CRITICAL, deliveryHealth().getStatus());

        installedBundle("smtp.queue.artemis").start();
        MailQueue again = mailQueue();
        QueuedMessageDTO kept = await("the message back from the journal", () -> again.get(queueId));
        assertEquals(List.of("carol@elsewhere.test"), kept.recipients);
        assertEquals(1, kept.attempts);
        assertTrue(kept.lastError, kept.lastError.contains("127.0.0.1"));
        assertEquals(Result.Status.OK, deliveryHealth().getStatus());
        assertTrue(again.delete(queueId));
        assertEquals(List.of(), queued());
    }

    @Test
    public void aRecipientRefusedForGoodBouncesThroughTheQueue() throws Exception {
        try (RefusingPeer peer = new RefusingPeer()) {
            configure("smtp.delivery", "mailboxRoot", mail.toString(), "localDomains", new String[] {"example.org"},
                    "mailboxes", new String[] {"bob@example.org"}, "hostName", "itest", "smarthost", "127.0.0.1:" + peer.port());
            int port = bindLoopback();
            startSuite();
            awaitListening("127.0.0.1", port);
            SmtpClient.Reply accepted;
            try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
                SmtpClient.expect(client.command("EHLO queue.test"), 250);
                accepted = client.send("bob@example.org", List.of("carol@elsewhere.test"), MESSAGE);
            }
            assertEquals(accepted.toString(), 250, accepted.code);
            String queueId = accepted.text().substring("2.0.0 Ok: queued as ".length());
            String bounce = Files.readString(awaitMessages("bob@example.org", 1).get(0));
            assertTrue(bounce, bounce.startsWith("Return-Path: <>\r\nDelivered-To: bob@example.org\r\n"));
            assertTrue(bounce, bounce.contains("X-Queue-ID: " + queueId + "\r\n"));
            assertTrue(bounce, bounce.contains("Final-Recipient: rfc822; carol@elsewhere.test\r\nAction: failed\r\n"
                    + "Status: 5.1.1\r\n"));
            assertTrue(bounce, bounce.contains("Subject: queued\r\n"));
            await("the queue to empty", () -> queued().isEmpty() ? true : null);
        }
    }

    /** A next hop that refuses every recipient for good, as a server does for a mailbox that does not exist. */
    private static final class RefusingPeer implements AutoCloseable {
        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 10, java.net.InetAddress.getByName("127.0.0.1"));
        private final Thread thread = new Thread(this::serve, "refusing-peer");

        RefusingPeer() throws java.io.IOException {
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (java.net.Socket socket = server.accept()) {
                    var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                            StandardCharsets.US_ASCII));
                    var out = socket.getOutputStream();
                    out.write("220 refusing.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (String line; (line = in.readLine()) != null; ) {
                        String verb = line.length() >= 4 ? line.substring(0, 4) : line;
                        String reply = switch (verb) {
                            case "EHLO", "HELO", "MAIL", "RSET", "NOOP" -> "250 2.0.0 Ok";
                            case "RCPT" -> "550 5.1.1 <" + line.substring(line.indexOf('<') + 1, line.indexOf('>'))
                                    + ">: no such user";
                            case "DATA" -> "554 5.5.1 Error: no valid recipients";
                            case "QUIT" -> "221 2.0.0 Bye";
                            default -> "502 5.5.2 not here";
                        };
                        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        if (verb.equals("QUIT")) {
                            break;
                        }
                    }
                } catch (java.io.IOException e) {
                    // closed, or the client went away
                }
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(5000);
        }
    }

    @Test
    public void theFileSpoolIsAnotherStoreForTheSameDelivery() throws Exception {
        configure("smtp.queue.spool", "directory", work.resolve("spool").toString());
        configure("smtp.delivery", "mailboxRoot", mail.toString(), "localDomains", new String[] {"example.org"},
                "mailboxes", new String[] {"bob@example.org"}, "hostName", "itest", "directLocalDelivery", false,
                "smarthost", "127.0.0.1:" + refusingPort(), "store.target", "(smtp.queue.store=spool)");
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        assertEquals(250, send(port, "bob@example.org").code);
        awaitMessages("bob@example.org", 1);
        assertEquals(250, send(port, "carol@elsewhere.test").code);
        MailQueue mailQueue = mailQueue();
        await("the deferred message", () -> mailQueue.list().size() == 1 && mailQueue.list().get(0).attempts == 1 ? true : null);
        QueueStatusDTO status = mailQueue.status();
        assertEquals("spool", status.store);
        assertEquals(work.resolve("spool").toString(), status.location);
        assertEquals(2, files(work.resolve("spool/queue")).size()); // its content and its entry
    }

    @Test
    public void aSenderIsHeldBackWhileTheDeliveryWorkersAreBehindAndGoesOnOnceTheyCatchUp() throws Exception {
        // the smarthost: Postfix's smtp-sink, which waits 4 s before it answers DATA
        Path dumps = Files.createDirectories(work.resolve("sink"));
        int sinkPort = freePort();
        Process sink = new ProcessBuilder("smtp-sink", "-u", System.getProperty("user.name"), "-w", "4", "-d",
                dumps + "/%M.", "127.0.0.1:" + sinkPort, "16").redirectErrorStream(true)
                .redirectOutput(work.resolve("sink.out").toFile()).start();
        try {
            awaitListening("127.0.0.1", sinkPort);
            configure("smtp.delivery", "mailboxRoot", mail.toString(), "localDomains", new String[] {"example.org"},
                    "hostName", "itest", "smarthost", "127.0.0.1:" + sinkPort, "outboundTls", "none",
                    "maxOutboundConnections", 1);
            configure("smtp.queue.artemis", "journalDirectory", queue.toString(), "inFlowDelay", 60_000);
            int port = bindLoopback();
            startSuite();
            awaitListening("127.0.0.1", port);

            // the one worker is busy with the first message while the smarthost waits; the next two wait for it
            for (int i = 1; i <= 3; i++) {
                assertEquals(250, send(port, "carol@elsewhere.test").code);
            }
            CompletableFuture<SmtpClient.Reply> fourth = CompletableFuture.supplyAsync(() -> {
                try {
                    return send(port, "carol@elsewhere.test");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThrows("the fourth sender is held back", TimeoutException.class, () -> fourth.get(1, TimeUnit.SECONDS));
            assertEquals("the fourth is not queued yet", 3, mailQueue().list().size());

            // once the worker took the second message, the fourth goes on: long before the in-flow delay of a minute
            SmtpClient.Reply reply = fourth.get(30, TimeUnit.SECONDS);
            assertEquals(reply.toString(), 250, reply.code);
            // delivered: the smarthost said 250 to each, so each of its files is whole
            await("the queue to empty", () -> queued().isEmpty() ? true : null);
            List<Path> relayed;
            try (Stream<Path> files = Files.list(dumps)) {
                relayed = files.toList();
            }
            assertEquals(relayed.toString(), 4, relayed.size());
            for (Path message : relayed) { // smtp-sink writes the lines it received with LF
                assertTrue(message.toString(), Files.readString(message).contains("\nSubject: queued\n\nfor elsewhere\n"));
            }
        } finally {
            sink.destroy();
            sink.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void aFullQueueAnswers451AndTheHealthCheckSaysWhyUntilThereIsRoomAgain() throws Exception {
        configure("smtp.queue.artemis", "journalDirectory", queue.toString(), "maxQueueSize", 40_000L);
        int port = start();
        SmtpClient.Reply reply;
        int accepted = 0;
        do { // deferred mail for a smarthost that does not answer fills the queue
            reply = send(port, "carol@elsewhere.test");
            accepted += reply.code == 250 ? 1 : 0;
        } while (reply.code == 250 && accepted < 200);
        assertEquals(reply.toString(), 451, reply.code);
        assertTrue(reply.text(), reply.text().startsWith("4.3.0 ") && reply.text().contains("full"));
        assertTrue("some mail went in first: " + accepted, accepted > 5);
        Result full = deliveryHealth();
        assertEquals(Result.Status.CRITICAL, full.getStatus());
        assertTrue(text(full), text(full).contains("full"));
        MailQueue mailQueue = mailQueue();
        assertFalse(mailQueue.status().available);

        for (QueuedMessageDTO message : mailQueue.list()) { // an operator makes room
            await("the deletion of " + message.queueId, () -> mailQueue.delete(message.queueId) ? true : null);
        }
        await("the health check back to OK", () -> deliveryHealth().getStatus() == Result.Status.OK ? true : null);
        assertEquals(250, send(port, "carol@elsewhere.test").code);
    }

    @Test
    public void aBrokerOutOfReachAnswers451AndTheHealthCheckSaysWhy() throws Exception {
        int brokerPort = refusingPort(); // nothing listens there
        configure("smtp.queue.artemis", "url", "tcp://127.0.0.1:" + brokerPort, "failoverWait", 1);
        int port = start();
        SmtpClient.Reply reply = send(port, "carol@elsewhere.test");
        assertEquals(reply.toString(), 451, reply.code);
        assertTrue(reply.text(), reply.text().startsWith("4.3.0 the mail queue is unavailable (cannot connect to "));
        Result down = deliveryHealth();
        assertEquals(Result.Status.CRITICAL, down.getStatus());
        assertTrue(text(down), text(down).contains("cannot connect to tcp://127.0.0.1:" + brokerPort));
        assertTrue("no embedded broker, so no journal here", Files.notExists(queue));
    }
}
