package smtp.fleet;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * One instance of the exported application, as an operator runs it: {@code java -jar smtp.jar} in a folder of its
 * own, with a {@code conf/} that binds SMTP on a loopback port, points the queue at the broker pair and delivers
 * local mail into the Maildirs under a path every instance shares; mail for other domains goes to the test's
 * smarthost.
 */
final class Instance implements AutoCloseable {

    static final String DOMAIN = "fleet.test";
    static final String HEALTH_CONFIG = "org.apache.felix.hc.core.impl.servlet.HealthCheckExecutorServlet-smtp.config";

    final String name;
    final Path home;
    final int smtp;
    final int http;
    private Process process;

    Instance(String name, Path home, String brokerUrl, Path mail, int smarthostPort) throws Exception {
        this.name = name;
        this.home = home;
        int[] ports = Fleet.freePorts(2);
        this.smtp = ports[0];
        this.http = ports[1];
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("smtp.server.binding-fleet.config"),
                "address=\"127.0.0.1\"\nport=I\"" + smtp + "\"\n");
        Files.writeString(conf.resolve("smtp.server.config"),
                "maxConnections=I\"500\"\nmaxConnectionsPerClient=I\"500\"\nmaxMessagesPerConnection=I\"100000\"\n"
                        + "maxMessageSize=I\"67108864\"\n");
        // every message goes through the queue: any instance may deliver what another accepted
        Files.writeString(conf.resolve("smtp.delivery.config"), "localDomains=[\"" + DOMAIN + "\"]\n"
                + "mailboxes=[\"bob@" + DOMAIN + "\"]\nmailboxRoot=\"" + mail + "\"\ndirectLocalDelivery=B\"false\"\n"
                + "hostName=\"" + name + "\"\nsmarthost=\"127.0.0.1:" + smarthostPort + "\"\nretryIntervals=I[\"2\"]\n");
        Files.writeString(conf.resolve("smtp.queue.artemis.config"), "url=\"" + brokerUrl + "\"\nuser=\"" + Broker.USER
                + "\"\n.password=\"" + Broker.PASSWORD + "\"\nfailoverWait=I\"8\"\n");
        Files.copy(Paths.get(System.getProperty("app.jar")).getParent().getParent().resolve("conf").resolve(HEALTH_CONFIG),
                conf.resolve(HEALTH_CONFIG));
        start();
    }

    /** Starts the instance and waits until it answers SMTP and its delivery is up. */
    void start() throws Exception {
        process = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dorg.osgi.service.http.port=" + http, "-jar", System.getProperty("app.jar"))
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("app.log").toFile())).start();
        Fleet.endWithTheTest(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Broker.accepts(smtp) || !deliveryHealth().contains("delivery is running")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not start: " + log());
            }
            Thread.sleep(100);
        }
    }

    /** SIGKILL: the process dies where it stands. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    String log() throws IOException {
        return Files.readString(home.resolve("app.log"));
    }

    /** @return the delivery health check's JSON, or the empty string while the HTTP service does not answer */
    String deliveryHealth() {
        try {
            return get("/system/health.json?tags=smtp.delivery", false);
        } catch (IOException e) {
            return "";
        }
    }

    /** @return the SMTP page of the web console (as the administrator) */
    String smtpPage() throws IOException {
        return get("/system/console/smtp", true);
    }

    private String get(String path, boolean asAdmin) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + http + path).openConnection();
        connection.setConnectTimeout(5000);
        connection.setReadTimeout(20000);
        if (asAdmin) {
            connection.setRequestProperty("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.US_ASCII)));
        }
        int code = connection.getResponseCode();
        try (var body = code < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
