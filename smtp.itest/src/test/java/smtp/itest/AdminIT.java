package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.ServiceReference;

import smtp.delivery.api.Envelope;
import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;

/**
 * Runtime control: the smtp: shell commands switch the server and its bindings off and on through their
 * configuration, sessions drain, delivery goes on; the listener's status and the health checks tell the truth.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class AdminIT extends SuiteSupport {

    /** Calls an smtp: command the way Gogo does: a public method of the service registered for the scope. */
    private Object smtp(String function, Object... arguments) throws Exception {
        Object commands = await("the smtp: commands", () -> {
            ServiceReference<?>[] found = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=smtp)(osgi.command.function=status))");
            return found == null ? null : context.getService(found[0]);
        });
        for (Method method : commands.getClass().getMethods()) {
            if (method.getName().equals(function) && method.getParameterCount() == arguments.length) {
                try {
                    return method.invoke(commands, arguments);
                } catch (InvocationTargetException e) {
                    throw (Exception) e.getCause();
                }
            }
        }
        throw new AssertionError("no command smtp:" + function + " with " + arguments.length + " argument(s)");
    }

    private ListenerStatus status() throws Exception {
        return await("the ListenerStatus service", () -> {
            ServiceReference<ListenerStatus> reference = context.getServiceReference(ListenerStatus.class);
            return reference == null ? null : context.getService(reference);
        });
    }

    private EndpointDTO awaitEndpoint(int port, String state) throws Exception {
        return await("the endpoint on port " + port + " " + state, () -> status().endpoints().stream()
                .filter(endpoint -> endpoint.port == port && state.equals(endpoint.state)).findFirst().orElse(null));
    }

    private Result health(String property, String value) throws Exception {
        ServiceReference<HealthCheck> reference = await("the health check with " + property + "=" + value, () -> {
            var found = context.getServiceReferences(HealthCheck.class, "(" + property + "=" + value + ")");
            return found.isEmpty() ? null : found.iterator().next();
        });
        return context.getService(reference).execute();
    }

    private static byte[] message(String subject) {
        return ("Subject: " + subject + "\r\n\r\nbody of " + subject + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    public void disablingTheServerDrainsSessionsWhileDeliveryGoesOn() throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", "hostName", "mx.itest");
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        try (SmtpClient mid = new SmtpClient("127.0.0.1", port); SmtpClient idle = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(idle.command("EHLO idle.test"), 250);
            SmtpClient.expect(mid.command("EHLO mid.test"), 250);
            SmtpClient.expect(mid.command("MAIL FROM:<alice@client.test>"), 250);
            SmtpClient.expect(mid.command("RCPT TO:<bob@example.org>"), 250);
            SmtpClient.expect(mid.command("DATA"), 354);

            assertEquals("SMTP server disabled; live sessions may finish their messages", smtp("disable"));
            awaitClosed("127.0.0.1", port);
            // a session between messages is told to go at once
            SmtpClient.Reply told = idle.read();
            assertEquals(421, told.code);
            assertEquals("4.3.2 mx.itest Service shutting down, try again later", told.text());
            assertEquals("", idle.readUntilClosed());
            // the one with a message under way remains (connections that only probed the port end at once)
            await("the endpoint draining its one session", () -> status().endpoints().stream().filter(endpoint -> endpoint.port
                    == port && EndpointDTO.DRAINING.equals(endpoint.state) && endpoint.sessions == 1).findFirst().orElse(null));
            assertFalse(status().enabled());
            assertEquals(Boolean.FALSE, configurationAdmin.getConfiguration("smtp.server", "?").getProperties().get("enabled"));

            // the message under way is taken; then the session is told to go
            mid.write(SmtpClient.dataOf(message("in flight")));
            SmtpClient.Reply accepted = SmtpClient.expect(mid.read(), 250);
            assertTrue(accepted.text(), accepted.text().startsWith("2.0.0 Ok: queued as "));
            SmtpClient.Reply goodbye = mid.command("NOOP");
            assertEquals(421, goodbye.code);
            assertEquals("4.3.2 mx.itest Service shutting down, try again later", goodbye.text());
            assertEquals("", mid.readUntilClosed());
        }
        awaitEndpoint(port, EndpointDTO.DISABLED);
        assertEquals(1, awaitMessages("bob@example.org", 1).size());

        // delivery keeps running without the listener
        Envelope envelope = new Envelope();
        envelope.reversePath = "app@example.org";
        envelope.recipients = List.of("bob@example.org");
        awaitDelivery().deliver(envelope, new ByteArrayInputStream(message("from an application")));
        awaitMessages("bob@example.org", 2);
        assertFalse(SuiteSupport.accepts("127.0.0.1", port));

        assertEquals("SMTP server enabled", smtp("enable"));
        awaitListening("127.0.0.1", port);
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO again.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), message("after")), 250);
        }
        awaitMessages("bob@example.org", 3);
        assertEquals("SMTP server already enabled", smtp("enable"));
    }

    @Test
    public void aSessionStillOpenAfterTheGracePeriodIsClosed() throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", "drainGracePeriod", 1);
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        try (SmtpClient idle = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(idle.command("EHLO idle.test"), 250);
            SmtpClient.expect(idle.command("MAIL FROM:<alice@client.test>"), 250);
            long start = System.nanoTime();
            smtp("disable");
            assertEquals("", idle.readUntilClosed()); // the socket's read timeout is 15 s
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertTrue("closed after the grace period, not at the read timeout: " + seconds + " s", seconds < 10);
        }
        awaitEndpoint(port, EndpointDTO.DISABLED);
    }

    @Test
    public void oneBindingIsSwitchedOffAloneAndItsHealthCheckSaysSo() throws Exception {
        configureDelivery("bob@example.org");
        int first = freePort();
        int second = freePort();
        String firstPid = createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", first);
        String secondPid = createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", second);
        startSuite();
        awaitListening("127.0.0.1", first);
        awaitListening("127.0.0.1", second);
        // the health check reads the listener's status service, which follows the port a moment later
        assertEquals(Result.Status.OK, await("binding healthy", () -> {
            Result result = health("smtp.binding", firstPid);
            return result.isOk() ? result : null;
        }).getStatus());

        assertEquals("Binding " + firstPid + " disabled", smtp("disable", firstPid));
        awaitClosed("127.0.0.1", first);
        assertTrue(SuiteSupport.accepts("127.0.0.1", second));
        EndpointDTO off = awaitEndpoint(first, EndpointDTO.DISABLED);
        assertEquals(firstPid, off.binding);
        Result firstHealth = health("smtp.binding", firstPid);
        assertEquals(Result.Status.WARN, firstHealth.getStatus());
        assertTrue(firstHealth.toString(), firstHealth.iterator().next().getMessage().contains("DISABLED"));
        assertEquals(Result.Status.OK, health("smtp.binding", secondPid).getStatus());
        assertEquals(Result.Status.WARN, health("hc.name", "SMTP listener").getStatus());
        assertEquals(Boolean.FALSE, configurationAdmin.getConfiguration(firstPid, "?").getProperties().get("enabled"));

        assertEquals("Binding " + firstPid + " enabled", smtp("enable", firstPid));
        awaitListening("127.0.0.1", first);
        assertEquals(Result.Status.OK, await("binding healthy again", () -> {
            Result result = health("smtp.binding", firstPid);
            return result.isOk() ? result : null;
        }).getStatus());

        try {
            smtp("disable", "smtp.server.binding~nosuch");
            throw new AssertionError("an unknown binding was accepted");
        } catch (IllegalArgumentException e) {
            assertEquals("there is no binding smtp.server.binding~nosuch; smtp:status lists the bindings", e.getMessage());
        }
        // deleting a binding removes its health check
        deleteConfiguration(secondPid);
        await("the health check of the deleted binding gone", () -> context.getServiceReferences(HealthCheck.class,
                "(smtp.binding=" + secondPid + ")").isEmpty() ? Boolean.TRUE : null);
    }

    @Test
    public void statusShowsEndpointsFailuresSessionsAndCounters() throws Exception {
        configureDelivery("bob@example.org");
        configure("smtp.server", "maxMessageSize", 2048);
        int port = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", 0);
        String good = createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", port);
        startSuite();
        awaitListening("127.0.0.1", port);

        EndpointDTO failed = awaitEndpoint(0, EndpointDTO.FAILED);
        assertEquals("port 0 is out of range; use 1 to 65535 in smtp.server.binding", failed.reason);
        assertEquals(Result.Status.CRITICAL, health("hc.name", "SMTP listener").getStatus());
        assertEquals(Result.Status.OK, health("hc.name", "SMTP delivery").getStatus());

        long connectionsBefore = status().counters().connections;
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO status.test"), 250);
            String sessions = (String) smtp("sessions");
            assertTrue(sessions, sessions.matches("(?s)\\d+ session\\(s\\)\n.*"));
            assertTrue(sessions, sessions.contains("status.test"));
            assertTrue(status().sessions().stream().anyMatch(session -> "status.test".equals(session.heloName)
                    && session.localPort == port && !session.tls));
            await("the session counted on its endpoint", () -> status().endpoints().stream()
                    .filter(endpoint -> endpoint.port == port && endpoint.sessions == 1).findFirst().orElse(null));
            String text = (String) smtp("status");
            assertTrue(text, text.startsWith("SMTP server: enabled\n"));
            assertTrue(text, text.matches("(?s).*LISTENING +127\\.0\\.0\\.1:" + port + " +none +1 +" + good.replace(".", "\\.") + ".*"));
            assertTrue(text, text.contains("port 0 is out of range"));

            byte[] small = message("small");
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), small), 250);
            byte[] large = ("Subject: large\r\n\r\n" + "x".repeat(3000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), large), 552);

            CountersDTO counters = status().counters();
            assertTrue(counters.connections + " after " + connectionsBefore, counters.connections > connectionsBefore);
            assertEquals(1, counters.messagesAccepted);
            assertEquals(1, counters.messagesRejected);
            Path stored = awaitMessages("bob@example.org", 1).get(0);
            assertEquals(small.length, counters.bytesAccepted);
            assertTrue(Files.size(stored) > small.length); // the Received header is not counted
        }
    }
}
