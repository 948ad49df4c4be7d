package smtp.fleet;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker of Apache Artemis' own distribution, as an operator runs one: an
 * instance made with {@code artemis create} (one core acceptor on loopback,
 * login required, NIO journal), the mail queue's recommended address settings
 * added to its {@code broker.xml}, and run with {@code artemis run} as a
 * process of this test. Members of a replicated pair also carry the cluster
 * connection to each other.
 */
final class Broker implements AutoCloseable {

    static final String USER = "smtp";
    static final String PASSWORD = "broker secret";

    /** The address settings docs/scaling-out.md tells operators to add for the queue. */
    static final String QUEUE_SETTINGS = """
                     <address-setting match="smtp.delivery">
                        <max-delivery-attempts>-1</max-delivery-attempts>
                        <redelivery-delay>5000</redelivery-delay>
                        <management-message-attribute-size-limit>-1</management-message-attribute-size-limit>
                     </address-setting>
            """;

    final String name;
    final int port;
    private final Path instance;
    private Process process;

    private Broker(String name, Path instance, int port) {
        this.name = name;
        this.instance = instance;
        this.port = port;
    }

    /** A replicated pair on loopback: the primary and its backup, created but not started. */
    static Broker[] pair(Path directory) throws Exception {
        int[] ports = Fleet.freePorts(2);
        int primaryPort = ports[0];
        int backupPort = ports[1];
        Broker primary = create("primary", directory.resolve("primary"), primaryPort, backupPort, false);
        Broker backup = create("backup", directory.resolve("backup"), backupPort, primaryPort, true);
        return new Broker[] {primary, backup};
    }

    private static Broker create(String name, Path instance, int port, int peerPort, boolean backup) throws Exception {
        Path artemis = Paths.get(System.getProperty("artemis.home"), "bin", "artemis");
        List<String> command = new ArrayList<>(List.of(artemis.toString(), "create", "--silent", "--force", "--nio",
                "--no-web", "--no-amqp-acceptor", "--no-mqtt-acceptor", "--no-stomp-acceptor", "--no-hornetq-acceptor",
                "--no-autotune", "--require-login", "--user", USER, "--password", PASSWORD, "--host", "127.0.0.1",
                "--java-memory", "512M", "--name", name, "--default-port", Integer.toString(port), "--replicated",
                "--clustered", "--cluster-user", "cluster", "--cluster-password", "cluster secret", "--staticCluster",
                "tcp://127.0.0.1:" + peerPort));
        if (backup) {
            command.add("--backup");
        }
        command.add(instance.toString());
        Process create = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Files.createDirectories(instance.getParent()).resolve(name + "-create.log").toFile()).start();
        if (!create.waitFor(120, TimeUnit.SECONDS) || create.exitValue() != 0) {
            create.destroyForcibly();
            throw new AssertionError("artemis create " + name + " failed; see " + instance.getParent());
        }
        Path brokerXml = instance.resolve("etc/broker.xml");
        String xml = Files.readString(brokerXml);
        // a single pair has nobody else to vote: the primary carries on when its backup goes away
        xml = xml.replace("<vote-on-replication-failure>true</vote-on-replication-failure>",
                "<vote-on-replication-failure>false</vote-on-replication-failure>");
        // a restarted primary first asks whether its backup took over, rather than serving an old journal
        xml = xml.replace("<primary>", "<primary>\n               <check-for-active-server>true</check-for-active-server>");
        xml = xml.replace("<address-settings>", "<address-settings>\n" + QUEUE_SETTINGS);
        Files.writeString(brokerXml, xml);
        return new Broker(name, instance, port);
    }

    /** Starts the broker and waits until it is active (a primary) or in sync with its primary (a backup). */
    Broker start(boolean awaitActive) throws Exception {
        Path log = instance.resolve("log/run.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder run = new ProcessBuilder(instance.resolve("bin/artemis").toString(), "run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        run.environment().put("JAVA_HOME", System.getProperty("java.home"));
        long offset = Files.exists(log) ? Files.size(log) : 0;
        process = run.start();
        Fleet.endWithTheTest(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String awaited = awaitActive ? "AMQ221007" : "AMQ221024"; // "Server is now active" / "backup ... synchronized"
        while (!logSince(log, offset).contains(awaited)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("broker " + name + " did not reach " + awaited + ": " + logSince(log, offset));
            }
            Thread.sleep(100);
        }
        return this;
    }

    /** Waits until this broker, a backup, has taken over: active, with its acceptor open. */
    void awaitActive(long seconds) throws Exception {
        Path log = instance.resolve("log/run.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.readString(log).contains("AMQ221007") || !accepts(port)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("broker " + name + " did not take over within " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** SIGKILL, as a crash: no chance to close anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: an orderly stop. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            kill();
        }
    }

    private static String logSince(Path log, long offset) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        byte[] bytes = Files.readAllBytes(log);
        return new String(bytes, (int) Math.min(offset, bytes.length), (int) Math.max(0, bytes.length - offset));
    }

    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
