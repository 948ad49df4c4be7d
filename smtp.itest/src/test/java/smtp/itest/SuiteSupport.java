package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import smtp.delivery.api.MailDelivery;
import smtp.delivery.spi.QueueEntryDTO;
import smtp.delivery.spi.QueueStore;
import smtp.server.api.ListenerStatus;

/**
 * What every integration test shares: the framework content (the suite's built
 * bundles, installed but not started, and the compendium services), and helpers
 * to configure, start and observe the suite.
 */
public abstract class SuiteSupport {

    /** The suite's bundles, in start order; the file spool stays inactive unless a test configures it. */
    static final String[] SUITE = {"smtp.delivery.api", "smtp.server.api", "smtp.queue.artemis", "smtp.queue.spool",
        "smtp.delivery", "smtp.events", "smtp.tls", "smtp.server", "smtp.webconsole"};
    /** What the Artemis queue store imports, all of it bundles. */
    static final String[][] QUEUE_RUNTIME = {{"io.netty", "netty-common"}, {"io.netty", "netty-buffer"},
        {"io.netty", "netty-resolver"}, {"io.netty", "netty-transport"}, {"io.netty", "netty-transport-native-unix-common"},
        {"io.netty", "netty-transport-classes-epoll"},
        {"io.netty", "netty-codec"}, {"io.netty", "netty-codec-http"}, {"io.netty", "netty-codec-socks"},
        {"io.netty", "netty-handler"}, {"io.netty", "netty-handler-proxy"}, {"org.jctools", "jctools-core"},
        {"com.github.ben-manes.caffeine", "caffeine"}, {"commons-beanutils", "commons-beanutils"},
        {"commons-collections", "commons-collections"}, {"commons-logging", "commons-logging"},
        {"org.apache.commons", "commons-lang3"}};
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    @Inject
    protected BundleContext context;

    @Inject
    protected ConfigurationAdmin configurationAdmin;

    protected Path work;
    protected Path queue;
    protected Path mail;
    private final List<Socket> heldPorts = new ArrayList<>();

    @Configuration
    public Option[] configuration() {
        return suiteOptions();
    }

    /** @return the framework's bundles and the suite's, none started */
    protected Option[] suiteOptions() {
        List<Option> options = new ArrayList<>(List.of(
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("INFO"),
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.eventadmin").versionAsInProject(),
                mavenBundle("org.bouncycastle", "bcprov-jdk18on").versionAsInProject(),
                mavenBundle("org.bouncycastle", "bcutil-jdk18on").versionAsInProject(),
                mavenBundle("org.bouncycastle", "bcpkix-jdk18on").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.healthcheck.api").versionAsInProject(),
                junitBundles()));
        for (String[] bundle : QUEUE_RUNTIME) {
            options.add(mavenBundle(bundle[0], bundle[1]).versionAsInProject());
        }
        options.add(mavenBundle("io.netty", "netty-transport-native-epoll").classifier("linux-x86_64").versionAsInProject()
                .noStart()); // a fragment
        for (String bsn : SUITE) {
            options.add(bundle(suiteBundleLocation(bsn)).noStart());
        }
        return options.toArray(new Option[0]);
    }

    /** @return the suite's options and dnsjava, for the tests of the bundles that ask the DNS */
    Option[] withDnsjava() {
        List<Option> options = new ArrayList<>(Arrays.asList(suiteOptions()));
        options.add(mavenBundle("dnsjava", "dnsjava").versionAsInProject());
        return options.toArray(new Option[0]);
    }

    static String suiteBundleLocation(String bsn) {
        String path = System.getProperty("bundle." + bsn);
        if (path == null) {
            throw new IllegalStateException("system property bundle." + bsn + " is not set (run the tests with Maven)");
        }
        return new File(path).toURI().toString();
    }

    @Before
    public void setUp() throws IOException {
        String framework = System.getProperty("itest.framework", "felix");
        assertEquals("the framework this run is meant for", framework.equals("equinox") ? "org.eclipse.osgi" : "org.apache.felix.framework",
                context.getBundle(0).getSymbolicName());
        work = Files.createDirectories(Paths.get(System.getProperty("itest.work", "target/work"),
                getClass().getSimpleName() + "-" + UUID.randomUUID()));
        queue = work.resolve("queue");
        mail = work.resolve("mail");
    }

    // ---- configuration

    /**
     * Configures the delivery service with this test's directories, local domain example.org and the given
     * mailboxes. Mail for other domains goes to a smarthost on a loopback port where nothing listens, so it
     * waits in the queue (and no DNS is asked).
     */
    protected void configureDelivery(String... mailboxes) throws IOException {
        configure("smtp.delivery", "mailboxRoot", mail.toString(),
                "localDomains", new String[] {"example.org"}, "mailboxes", mailboxes, "hostName", "itest",
                "smarthost", "127.0.0.1:" + refusingPort());
    }

    /**
     * A loopback port that refuses connections until the test ends: a socket is bound to it and never listens. A
     * port found free and let go could be taken later in the test, by a listener or as the local port of a
     * connection (a connection from it to itself would wait instead of being refused).
     */
    protected int refusingPort() throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        heldPorts.add(socket);
        return socket.getLocalPort();
    }

    @After
    public void releasePorts() throws IOException {
        for (Socket socket : heldPorts) {
            socket.close();
        }
        heldPorts.clear();
    }

    /** Updates a singleton configuration; keys and values alternate. */
    protected void configure(String pid, Object... keysAndValues) throws IOException {
        configurationAdmin.getConfiguration(pid, "?").update(dictionary(keysAndValues));
    }

    /** Creates a factory configuration and returns its PID. */
    protected String createFactoryConfiguration(String factoryPid, Object... keysAndValues) throws IOException {
        org.osgi.service.cm.Configuration config = configurationAdmin.createFactoryConfiguration(factoryPid, "?");
        config.update(dictionary(keysAndValues));
        return config.getPid();
    }

    protected void deleteConfiguration(String pid) throws IOException {
        configurationAdmin.getConfiguration(pid, "?").delete();
    }

    private static Dictionary<String, Object> dictionary(Object... keysAndValues) {
        Dictionary<String, Object> properties = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }

    /**
     * Configures delivery (local domain example.org with these mailboxes), the server as {@code mx.itest} with these
     * settings (keys and values alternate) and a binding on 127.0.0.1; starts the suite.
     *
     * @return the port of the binding, listening
     */
    protected int startListening(String[] mailboxes, Object... serverSettings) throws Exception {
        configureDelivery(mailboxes);
        Object[] settings = java.util.Arrays.copyOf(serverSettings, serverSettings.length + 2);
        settings[serverSettings.length] = "hostName";
        settings[serverSettings.length + 1] = "mx.itest";
        configure("smtp.server", settings);
        int port = bindLoopback();
        startSuite();
        awaitListening("127.0.0.1", port);
        return port;
    }

    /** A fresh client sends a message to bob@example.org and gets 250: the server still takes mail. */
    protected static void assertTakesMail(int port) throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            SmtpClient.expect(client.command("EHLO alive.test"), 250);
            SmtpClient.expect(client.send("alice@client.test", List.of("bob@example.org"), MailFlowIT.MESSAGE), 250);
        }
    }

    /** Configures a binding on 127.0.0.1 at a free port, and returns the port. */
    protected int bindLoopback() throws IOException {
        int port = freePort();
        createFactoryConfiguration("smtp.server.binding", "address", "127.0.0.1", "port", port);
        return port;
    }

    // ---- bundles and services

    /**
     * Starts the suite's bundles; the self-signed TLS default and the embedded broker's journal are kept in this
     * test's directory.
     */
    protected void startSuite() throws Exception {
        if (configurationAdmin.getConfiguration("smtp.tls", "?").getProperties() == null) {
            configure("smtp.tls", "directory", work.resolve("tls").toString(), "hostName", "mx.itest");
        }
        if (configurationAdmin.getConfiguration("smtp.queue.artemis", "?").getProperties() == null) {
            configure("smtp.queue.artemis", "journalDirectory", queue.toString());
        }
        for (String bsn : SUITE) {
            installedBundle(bsn).start();
        }
        awaitDelivery(); // until then, the listener answers 451 at RCPT
    }

    protected Bundle installedBundle(String bsn) {
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getSymbolicName().equals(bsn)) {
                return bundle;
            }
        }
        return null;
    }

    /** Installs a suite bundle again from its built jar. */
    protected Bundle reinstall(String bsn) throws BundleException {
        return context.installBundle(suiteBundleLocation(bsn));
    }

    protected MailDelivery awaitDelivery() throws Exception {
        return await("the MailDelivery service", () -> {
            ServiceReference<MailDelivery> ref = context.getServiceReference(MailDelivery.class);
            return ref == null ? null : context.getService(ref);
        });
    }

    /** The configurations of a component of the suite, as DS reports them. */
    protected List<ComponentConfigurationDTO> componentConfigurations(String bsn, String componentName) {
        ServiceReference<ServiceComponentRuntime> ref = context.getServiceReference(ServiceComponentRuntime.class);
        ServiceComponentRuntime scr = context.getService(ref);
        try {
            ComponentDescriptionDTO description = scr.getComponentDescriptionDTO(installedBundle(bsn), componentName);
            assertNotNull("component " + componentName + " in " + bsn, description);
            return new ArrayList<>(scr.getComponentConfigurationDTOs(description));
        } finally {
            context.ungetService(ref);
        }
    }

    /** Waits until DS reports the component active with a configuration property of the given value. */
    protected void awaitActiveWith(String bsn, String componentName, String key, Object value) throws Exception {
        await(componentName + " active with " + key + "=" + value, () -> {
            for (ComponentConfigurationDTO dto : componentConfigurations(bsn, componentName)) {
                Object actual = dto.properties.get(key);
                boolean same = actual instanceof Object[] array && value instanceof Object[] wanted
                        ? java.util.Arrays.equals(array, wanted) : value.equals(actual);
                if (dto.state == ComponentConfigurationDTO.ACTIVE && same) {
                    return true;
                }
            }
            return null;
        });
    }

    // ---- network

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    protected static void awaitListening(String host, int port) throws Exception {
        await("a listener on " + host + " port " + port, () -> accepts(host, port) ? Boolean.TRUE : null);
    }

    /**
     * Waits until the connection {@link #awaitListening} made has had its session and ended: until then it counts
     * against the connection limits. Its session is counted when it opens, which may be after the probe closed.
     */
    protected void awaitProbeGone() throws Exception {
        awaitSessionsEnded(1);
    }

    /**
     * Waits until the listener has opened at least this many sessions since it started and none is live: every
     * connection a client closed is then counted out of the limits, which the server does only once it reads the end
     * of the connection, after the client has gone on.
     */
    protected void awaitSessionsEnded(long opened) throws Exception {
        await(opened + " session(s) opened and none live", () -> {
            ServiceReference<ListenerStatus> ref = context.getServiceReference(ListenerStatus.class);
            if (ref == null) {
                return null;
            }
            try {
                ListenerStatus status = context.getService(ref);
                return status.counters().connections >= opened && status.sessions().isEmpty() ? Boolean.TRUE : null;
            } finally {
                context.ungetService(ref);
            }
        });
    }

    protected static void awaitClosed(String host, int port) throws Exception {
        await("port " + port + " on " + host + " to close", () -> accepts(host, port) ? null : Boolean.TRUE);
    }

    // ---- mailboxes and queue

    protected Path mailbox(String address) {
        int at = address.indexOf('@');
        return mail.resolve(address.substring(at + 1)).resolve(address.substring(0, at)).resolve("new");
    }

    /** Waits for the given number of messages in a mailbox's new/ folder and returns them, oldest name first. */
    protected List<Path> awaitMessages(String address, int count) throws Exception {
        Path folder = mailbox(address);
        return await(count + " message(s) for " + address, () -> {
            List<Path> files = files(folder);
            return files.size() >= count ? files : null;
        });
    }

    static List<Path> files(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(folder)) {
            return list.sorted().collect(Collectors.toList());
        }
    }

    /** @return the queue ids of what waits in the delivery queue, as its store tells (with or without delivery) */
    protected List<String> queued() throws Exception {
        ServiceReference<QueueStore> ref = context.getServiceReference(QueueStore.class);
        assertNotNull("a queue store", ref);
        try {
            return context.getService(ref).list().stream().map(entry -> entry.queueId).toList();
        } finally {
            context.ungetService(ref);
        }
    }

    /**
     * Waits for one message in the delivery queue and returns its envelope as the queue's store keeps it (the
     * delivery service's encoding: one {@code name: value} line per field).
     */
    protected String awaitQueuedEnvelope() throws Exception {
        String[] seen = {"no queue store"};
        try {
            return await("a message in the queue", () -> {
                ServiceReference<QueueStore> ref = context.getServiceReference(QueueStore.class);
                if (ref == null) {
                    seen[0] = "no queue store";
                    return null;
                }
                try {
                    List<QueueEntryDTO> entries = context.getService(ref).list();
                    seen[0] = entries.stream().map(entry -> entry.queueId + " to " + entry.recipients + " (attempts "
                            + entry.attempts + ", last error " + entry.lastError + ")").toList().toString();
                    return entries.size() == 1 ? entries.get(0).envelope : null;
                } finally {
                    context.ungetService(ref);
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the queue held, when last looked at: " + seen[0], e);
        }
    }

    /** Polls until the supplier returns non-null, at most {@link #TIMEOUT}. */
    protected static <T> T await(String what, Callable<T> check) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            T value = check.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
