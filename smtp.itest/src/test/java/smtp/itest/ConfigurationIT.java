package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;

/**
 * Bindings, interface usage and bad configuration. Only loopback addresses are
 * bound: the usage rules here mark every other address External, or the
 * bindings name loopback addresses explicitly.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ConfigurationIT extends SuiteSupport {

    static final String LISTENER = "smtp.server.internal.listener.SmtpListener";
    static final String BINDING = "smtp.server.internal.listener.Binding";
    /** Only loopback is Internal, and of loopback only 127.0.0.1: ::1 is External. */
    static final String[] ONLY_IPV4_LOOPBACK_INTERNAL = {"::1=external", "lo=internal", "0.0.0.0/0=external", "::/0=external"};
    /** Only ::1 is External. */
    static final String[] ONLY_IPV6_LOOPBACK_EXTERNAL = {"::1=external", "0.0.0.0/0=internal", "::/0=internal"};

    /** The DS view of the binding configured with the given port. */
    private ComponentConfigurationDTO bindingWithPort(int port) throws Exception {
        return await("the binding with port " + port, () -> componentConfigurations("smtp.server", BINDING).stream()
                .filter(dto -> Integer.valueOf(port).equals(dto.properties.get("port"))
                        && dto.state != ComponentConfigurationDTO.SATISFIED && dto.state != ComponentConfigurationDTO.UNSATISFIED_REFERENCE)
                .findFirst().orElse(null));
    }

    private static void assertFailed(ComponentConfigurationDTO dto, String reason) {
        assertEquals("state of " + dto.properties, ComponentConfigurationDTO.FAILED_ACTIVATION, dto.state);
        assertNotNull(dto.failure);
        assertTrue(dto.failure, dto.failure.contains(reason));
    }

    @Test
    public void badBindingsFailWithClearErrorsAndTheGoodOneServes() throws Exception {
        configureDelivery("bob@example.org");
        int good = freePort();
        try (LogCapture log = new LogCapture()) {
            createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", 0);
            createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", 70000);
            createFactoryConfiguration("smtp.server.binding", "interfaceName", "nosuch0", "port", 2626);
            createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", good);
            startSuite();
            awaitListening("127.0.0.1", good);

            assertFailed(bindingWithPort(0), "port 0 is out of range; use 1 to 65535");
            assertFailed(bindingWithPort(70000), "port 70000 is out of range; use 1 to 65535");
            assertFailed(bindingWithPort(2626), "there is no network interface named 'nosuch0'");
            assertNotNull(log.awaitLine(TIMEOUT, "SMTP binding not started: port 70000 is out of range; use 1 to 65535",
                    "Fix the smtp.server.binding configuration"));
            assertNotNull(log.awaitLine(TIMEOUT, "SMTP binding not started: there is no network interface named 'nosuch0'",
                    "the interfaces here are [", "lo"));
            assertFalse(accepts("127.0.0.1", 2626));
        }
        assertEquals(ComponentConfigurationDTO.ACTIVE, bindingWithPort(good).state);
        try (SmtpClient client = new SmtpClient("127.0.0.1", good)) {
            SmtpClient.expect(client.command("EHLO config.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }
        awaitMessages("bob@example.org", 1);
    }

    @Test
    public void badServerPortFailsTheListener() throws Exception {
        configureDelivery();
        int port = freePort();
        configure("smtp.server", "port", 70000, "interfaceUsage", ONLY_IPV4_LOOPBACK_INTERNAL);
        try (LogCapture log = new LogCapture()) {
            startSuite();
            ComponentConfigurationDTO listener = await("the listener's state", () -> componentConfigurations("smtp.server", LISTENER)
                    .stream().filter(dto -> dto.state == ComponentConfigurationDTO.FAILED_ACTIVATION).findFirst().orElse(null));
            assertFailed(listener, "port 70000 is out of range; use 1 to 65535 in smtp.server");
            assertNotNull(log.awaitLine(TIMEOUT, "SMTP server not started: port 70000 is out of range",
                    "Fix the smtp.server configuration"));
        }
        configure("smtp.server", "port", port, "interfaceUsage", ONLY_IPV4_LOOPBACK_INTERNAL);
        awaitListening("127.0.0.1", port);
    }

    @Test
    public void aPortInUseIsReportedAndTheOtherBindingsStart() throws Exception {
        configureDelivery();
        int good = freePort();
        try (ServerSocket taken = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
                LogCapture log = new LogCapture()) {
            int busy = taken.getLocalPort();
            createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", busy);
            createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", good);
            startSuite();
            awaitListening("127.0.0.1", good);
            String line = log.awaitLine(TIMEOUT, "Cannot listen on 127.0.0.1:" + busy + ":");
            assertNotNull(line);
            assertTrue(line, line.contains("Another process holds the port"));
            assertTrue(line, line.contains("configure another port or address"));
        }
    }

    @Test
    public void withoutBindingsEveryInternalAddressIsBoundButNoExternalOne() throws Exception {
        configureDelivery();
        int port = freePort();
        configure("smtp.server", "port", port, "interfaceUsage", ONLY_IPV4_LOOPBACK_INTERNAL);
        try (LogCapture log = new LogCapture()) {
            startSuite();
            awaitListening("127.0.0.1", port);
            assertNotNull(log.awaitLine(TIMEOUT, "listening on 127.0.0.1:" + port + " (internal interface)"));
        }
        assertFalse("::1 is External: not bound without a binding", accepts("::1", port));

        // a binding that names the External address binds it, and the implicit binding ends
        try (LogCapture log = new LogCapture()) {
            createFactoryConfiguration("smtp.server.binding", "address", "::1", "port", port);
            assertNotNull(log.awaitLine(TIMEOUT, "listening on [0:0:0:0:0:0:0:1]:" + port + " (external interface)"));
        }
        awaitClosed("127.0.0.1", port);
        assertTrue(accepts("::1", port));
    }

    @Test
    public void aUsageBindingCoversExactlyTheAddressesOfThatUsage() throws Exception {
        configureDelivery();
        int port = freePort();
        configure("smtp.server", "interfaceUsage", ONLY_IPV6_LOOPBACK_EXTERNAL);
        createFactoryConfiguration("smtp.server.binding", "usage", "external", "port", port);
        startSuite();
        awaitListening("::1", port);
        assertFalse(accepts("127.0.0.1", port));
    }

    @Test
    public void anInterfaceBindingCoversEveryAddressOfTheInterface() throws Exception {
        configureDelivery();
        int port = freePort();
        createFactoryConfiguration("smtp.server.binding", "interfaceName", "lo", "port", port);
        startSuite();
        awaitListening("127.0.0.1", port);
        awaitListening("::1", port);
    }

    @Test
    public void aDisabledServerDoesNotListenAndComesBackWhenEnabled() throws Exception {
        configureDelivery();
        configure("smtp.server", "enabled", false);
        int port = bindLoopback();
        try (LogCapture log = new LogCapture()) {
            startSuite();
            assertNotNull(log.awaitLine(TIMEOUT, "SMTP server is disabled"));
        }
        assertFalse(accepts("127.0.0.1", port));
        configure("smtp.server", "enabled", true);
        awaitListening("127.0.0.1", port);
        configure("smtp.server", "enabled", false);
        awaitClosed("127.0.0.1", port);
    }
}
