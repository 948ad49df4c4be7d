package smtp.karaf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * The suite's feature repository in a stock Apache Karaf 4.4 (downloaded from
 * Maven Central by the build): the features install, mail goes over SMTP into
 * a Maildir, the listener's feature can be uninstalled while delivery goes on,
 * and the suite's log lines are in Karaf's log (pax-logging).
 * <p>
 * The Karaf under test is a copy of the distribution with its ports moved to
 * free loopback ports, an ssh user for {@code bin/client}, and a Maven
 * repository holding the suite's bundles (this build installs nothing into
 * {@code ~/.m2}); everything else comes from Maven Central.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class KarafIT {

    private static final long STARTUP_SECONDS = 180;
    private static final String DOMAIN = "karaf.test";

    private static Path home;
    private static Path mail;
    private static Path journal;
    private static Process karaf;
    private static int sshPort;
    private static int smtpPort;
    private static int httpPort;
    private static String tlsProtocol;

    @BeforeClass
    public static void startKaraf() throws Exception {
        Path distribution = Paths.get(System.getProperty("karaf.distribution"));
        Path work = Paths.get(System.getProperty("work.directory"));
        deleteTree(work);
        home = work.resolve("karaf");
        copyTree(distribution, home);
        mail = work.resolve("mail");
        journal = work.resolve("queue");
        Path repository = work.resolve("repository");
        copyTree(Paths.get(System.getProperty("suite.repository")), repository);
        String groupPath = System.getProperty("suite.groupId").replace('.', '/');
        String version = System.getProperty("suite.version");
        Path features = repository.resolve(groupPath + "/smtp.karaf/" + version + "/smtp.karaf-" + version + "-features.xml");
        Files.createDirectories(features.getParent());
        Files.copy(Paths.get(System.getProperty("suite.features")), features);

        int[] ports = freePorts(5); // five calls of a free-port probe may be given the same port twice
        sshPort = ports[0];
        smtpPort = ports[1];
        httpPort = ports[2];
        Path etc = home.resolve("etc");
        // Pax Web (the web console's and /metrics' HTTP server) on a free loopback port
        Files.writeString(etc.resolve("org.ops4j.pax.web.cfg"), "org.osgi.service.http.port = " + httpPort + "\n"
                + "org.ops4j.pax.web.listening.addresses = 127.0.0.1\n");
        Files.writeString(etc.resolve("users.properties"), "karaf = karaf,_g_:admingroup\n"
                + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        replaceLine(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort", "sshPort = " + sshPort);
        replaceLine(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost", "sshHost = 127.0.0.1");
        replaceLine(etc.resolve("org.apache.karaf.management.cfg"), "rmiRegistryPort", "rmiRegistryPort = " + ports[3]);
        replaceLine(etc.resolve("org.apache.karaf.management.cfg"), "rmiServerPort", "rmiServerPort = " + ports[4]);
        // the suite's bundles come from this repository first; the rest from Maven Central
        Path mvn = etc.resolve("org.ops4j.pax.url.mvn.cfg");
        Files.writeString(mvn, Files.readString(mvn).replace("org.ops4j.pax.url.mvn.defaultRepositories=\\\n",
                "org.ops4j.pax.url.mvn.defaultRepositories=\\\n    " + repository.toUri() + "@id=suite@snapshots, \\\n"));
        assertTrue(Files.readString(mvn).contains("@id=suite@snapshots"));
        // the suite's configuration, read by Karaf's File Install from etc/
        Files.writeString(etc.resolve("smtp.server.binding-karaf.config"),
                "address=\"127.0.0.1\"\nport=I\"" + smtpPort + "\"\ntlsMode=\"starttls\"\nrequireTls=B\"true\"\n");
        // every message goes through the queue, on the broker embedded in Karaf
        Files.writeString(etc.resolve("smtp.delivery.config"), "localDomains=[\"" + DOMAIN + "\"]\n"
                + "mailboxes=[\"alice@" + DOMAIN + "\"]\nhostName=\"karaf\"\ndirectLocalDelivery=B\"false\"\n"
                + "mailboxRoot=\"" + mail + "\"\n");
        Files.writeString(etc.resolve("smtp.queue.artemis.config"), "journalDirectory=\"" + journal + "\"\n");
        // a rate limit, asked on every message: the policy plugins work in Karaf
        Files.writeString(etc.resolve("smtp.policy.ratelimit-karaf.config"),
                "name=\"per-client\"\nkey=\"client\"\nmax=I\"1000\"\n");

        ProcessBuilder start = new ProcessBuilder("bin/karaf", "server").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("karaf.out").toFile());
        start.environment().put("JAVA_HOME", System.getProperty("java.home"));
        karaf = start.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
        while (!listening(sshPort)) {
            if (!karaf.isAlive() || System.nanoTime() > deadline) {
                fail("Karaf's ssh port " + sshPort + " did not open within " + STARTUP_SECONDS + " s; see " + work);
            }
            Thread.sleep(250);
        }
        // the shell answers once Karaf's own boot features are in
        awaitOutput("feature:list -i", "shell", STARTUP_SECONDS);
    }

    @AfterClass
    public static void stopKaraf() throws Exception {
        if (karaf == null) {
            return;
        }
        if (karaf.isAlive()) {
            try {
                client("system:shutdown -f");
            } catch (AssertionError | IOException e) {
                // it may end before it answers
            }
            if (!karaf.waitFor(60, TimeUnit.SECONDS)) {
                karaf.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    public void a_theFeaturesInstallFromMavenCoordinatesAndMailArrives() throws Exception {
        String version = System.getProperty("suite.version");
        client("feature:repo-add mvn:" + System.getProperty("suite.groupId") + "/smtp.karaf/" + version + "/xml/features");
        String available = client("feature:list");
        for (String feature : new String[] {"smtp-contracts", "smtp-queue-artemis", "smtp-queue-spool", "smtp-delivery",
            "smtp-server", "smtp-tls", "smtp-events", "smtp-clamav", "smtp-ratelimit", "smtp-greylist", "smtp-dnsbl",
            "smtp-milter", "smtp-senderauth", "smtp-webconsole", "smtp-metrics", "smtp "}) {
            assertTrue(feature + " in\n" + available, available.contains(feature));
        }
        client("feature:install smtp-delivery smtp-server smtp-tls smtp-events smtp-clamav smtp-ratelimit smtp-greylist "
                + "smtp-dnsbl smtp-milter smtp-senderauth smtp-webconsole smtp-metrics webconsole");
        String installed = client("feature:list -i");
        for (String feature : new String[] {"smtp-queue-artemis", "smtp-delivery", "smtp-server", "smtp-tls", "smtp-events",
            "smtp-clamav", "smtp-ratelimit", "smtp-greylist", "smtp-dnsbl", "smtp-milter", "smtp-senderauth", "smtp-webconsole",
            "smtp-metrics", "webconsole"}) {
            assertTrue(feature + " installed:\n" + installed, installed.contains(feature));
        }
        String bundles = awaitOutput("bundle:list -t 0 -s", "smtp.server.api", 60);
        for (String bundle : new String[] {"smtp.delivery.api", "smtp.server.api", "smtp.queue.artemis", "smtp.delivery",
            "smtp.server", "smtp.tls", "smtp.events", "smtp.scan.clamav", "smtp.policy.ratelimit", "smtp.policy.greylist",
            "smtp.policy.dnsbl", "org.xbill.dns", "smtp.milter", "smtp.senderauth", "smtp.webconsole", "smtp.metrics",
            "io.prometheus.metrics-core", "bcprov", "io.netty.transport"}) {
            String line = bundleLine(bundles, bundle);
            assertTrue(bundle + " active:\n" + bundles, line != null && line.contains("Active"));
        }

        awaitListening(smtpPort, true);
        String reply = send("bob@client.test", "alice@" + DOMAIN, "Subject: through Karaf\r\n\r\nhello from Karaf\r\n");
        assertTrue(reply, reply.startsWith("250 "));
        assertTrue(tlsProtocol, tlsProtocol.startsWith("TLSv1."));
        Path delivered = awaitMessage(1);
        String content = Files.readString(delivered);
        assertTrue(content, content.startsWith("Return-Path: <bob@client.test>\r\nDelivered-To: alice@" + DOMAIN + "\r\n"));
        assertTrue(content, content.endsWith("Subject: through Karaf\r\n\r\nhello from Karaf\r\n"));

        // the suite's Gogo commands work in Karaf's shell
        String status = value("smtp:status");
        assertTrue(status, status.contains("127.0.0.1") && status.contains(Integer.toString(smtpPort)));
        assertTrue("the rate limit was asked at MAIL:\n" + status, status.contains("policy ratelimit:per-client: CONTINUE=1"));
        String queue = value("delivery:queue").strip();
        assertTrue(queue, queue.startsWith("queue store: artemis (embedded broker, journal " + journal + ")"));
        assertTrue(queue, queue.endsWith("0 message(s) queued"));
    }

    @Test
    public void b_withoutTheServerFeatureDeliveryGoesOn() throws Exception {
        client("feature:uninstall smtp-server");
        awaitListening(smtpPort, false);
        String bundles = client("bundle:list -t 0 -s");
        assertEquals(bundles, null, bundleLine(bundles, "smtp.server"));
        assertTrue(bundles, bundleLine(bundles, "smtp.delivery").contains("Active"));
        String queued = value("delivery:send postmaster@" + DOMAIN + " alice@" + DOMAIN + " without-listener still-delivered");
        assertTrue(queued, queued.contains("queued as"));
        Path delivered = awaitMessage(2);
        assertTrue(Files.readString(delivered).contains("still-delivered"));

        client("feature:install smtp-server");
        awaitListening(smtpPort, true);
        assertTrue(send("bob@client.test", "alice@" + DOMAIN, "Subject: back\r\n\r\nagain\r\n").startsWith("250 "));
        awaitMessage(3);
    }

    @Test
    public void c_karafsLogCarriesTheSuitesLogLines() throws Exception {
        Path log = home.resolve("data/log/karaf.log");
        String text = Files.readString(log);
        assertTrue("delivery service line in " + log, text.contains("Delivery service started"));
        assertTrue("listener line in " + log, text.contains("SMTP server listening on 127.0.0.1:" + smtpPort));
        assertTrue("stop line in " + log, text.contains("SMTP server on 127.0.0.1:" + smtpPort + " stopped"));
        assertTrue("delivery line in " + log, text.contains("delivered to <alice@" + DOMAIN + ">"));
        // no bundle of the suite brings a logging backend: pax-logging is the only one
        String bundles = client("bundle:list -t 0 -s");
        assertFalse(bundles, bundles.contains("slf4j.simple") || bundles.contains("logback"));
    }

    @Test
    public void d_theSmtpPageIsInKarafsWebConsoleAndTheMetricsAreScraped() throws Exception {
        // Karaf 4.4's web console is Felix web console 4 (javax servlet): the same page as in the app
        String[] page = awaitHttp("/system/console/smtp", "karaf:karaf", "id='smtp-endpoints'");
        assertTrue(page[1], page[1].contains("data-port='" + smtpPort + "'") && page[1].contains("data-state='LISTENING'"));
        assertTrue("the charts are drawn:\n" + page[1], page[1].contains("id='smtp-chart-accepted'")
                && page[1].contains("<svg"));
        assertTrue("the queue browser is there:\n" + page[1], page[1].contains("id='smtp-queue'"));
        assertTrue("it is inside the console's frame:\n" + page[1], page[1].contains("<html") && page[1].contains("</html>"));
        String accepted = between(page[1], "id='smtp-chart-accepted' data-total='", "'");
        assertTrue("a message sent after the listener came back is in the chart: " + accepted, Long.parseLong(accepted) >= 1);
        // a form without the page's token changes nothing
        assertEquals(403, postForm("/system/console/smtp", "karaf:karaf", "action=disable-server&token=forged"));
        assertTrue(value("smtp:status").contains("enabled"));

        // /metrics on Karaf's HTTP port, through Pax Web's whiteboard (javax servlet)
        String metrics = awaitHttp("/metrics", null, "smtp_messages_accepted_total")[1];
        assertTrue(metrics, metrics.contains("smtp_messages_accepted_total{binding=\"127.0.0.1:" + smtpPort + "\"} 1.0"));
        assertTrue(metrics, metrics.contains("smtp_delivery_attempts_total{outcome=\"delivered\"}"));
        assertTrue(metrics, metrics.contains("smtp_queue_messages{state=\"deferred\"} 0.0"));
    }

    // ---- HTTP

    /** GETs a path of Karaf's HTTP port until the body holds the text (60 s at most); returns status and body. */
    private static String[] awaitHttp(String path, String credentials, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String[] last = {"", ""};
        while (System.nanoTime() < deadline) {
            try {
                last = http(path, credentials);
                if (last[0].equals("200") && last[1].contains(expected)) {
                    return last;
                }
            } catch (IOException e) {
                last = new String[] {"", e.toString()}; // Pax Web may not listen yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError(path + " did not answer 200 with '" + expected + "' within 60 s: " + last[0] + "\n" + last[1]);
    }

    private static String[] http(String path, String credentials) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + httpPort
                + path).openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(30_000);
        if (credentials != null) {
            connection.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder()
                    .encodeToString(credentials.getBytes(StandardCharsets.US_ASCII)));
        }
        int code = connection.getResponseCode();
        try (InputStream body = code < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return new String[] {String.valueOf(code), body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8)};
        }
    }

    private static int postForm(String path, String credentials, String form) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + httpPort
                + path).openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(30_000);
        connection.setInstanceFollowRedirects(false);
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString(credentials.getBytes(StandardCharsets.US_ASCII)));
        connection.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
        try (OutputStream out = connection.getOutputStream()) {
            out.write(form.getBytes(StandardCharsets.US_ASCII));
        }
        return connection.getResponseCode();
    }

    private static String between(String text, String before, String after) {
        int start = text.indexOf(before);
        assertTrue("'" + before + "' in\n" + text, start >= 0);
        start += before.length();
        return text.substring(start, text.indexOf(after, start));
    }

    // ---- the shell, through Karaf's own ssh client

    private static String client(String command) throws IOException, InterruptedException {
        // batch mode: the command comes on stdin (given as an argument, it is cut off when stdin closes)
        ProcessBuilder builder = new ProcessBuilder("bin/client", "-a", Integer.toString(sshPort), "-h", "127.0.0.1",
                "-u", "karaf", "-p", "karaf", "-r", "10", "-d", "2", "-b").directory(home.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process client = builder.start();
        try (OutputStream in = client.getOutputStream()) {
            in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        }
        byte[] output = client.getInputStream().readAllBytes();
        if (!client.waitFor(120, TimeUnit.SECONDS)) {
            client.destroyForcibly();
            fail("'" + command + "' did not finish in 120 s");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (client.exitValue() != 0 || text.contains("Error executing command")) {
            throw new AssertionError("'" + command + "' failed (exit " + client.exitValue() + "):\n" + text);
        }
        return text;
    }

    /** What a command returns: a batch shell prints only what commands print, so echo shows the value. */
    private static String value(String command) throws IOException, InterruptedException {
        return client("echo (" + command + ")");
    }

    private static String awaitOutput(String command, String expected, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = client(command);
                if (last.contains(expected)) {
                    return last;
                }
            } catch (AssertionError e) {
                last = e.getMessage(); // the shell may not have all its commands yet
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("'" + command + "' did not show '" + expected + "' within " + seconds + " s:\n" + last);
    }

    /** The line of {@code bundle:list -s} whose symbolic name (the last column) is this one, or null. */
    private static String bundleLine(String list, String symbolicName) {
        for (String line : list.split("\n")) {
            String[] columns = line.trim().split("[\\s\u2502|]+");
            if (columns.length > 0 && columns[columns.length - 1].equals(symbolicName)) {
                return line;
            }
        }
        return null;
    }

    // ---- SMTP and the Maildir

    private static String send(String from, String to, String message) throws IOException, GeneralSecurityException {
        try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), smtpPort)) {
            plain.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = plain.getOutputStream();
            expect(in, "220");
            out.write("EHLO client.test\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "250");
            expect(in, "220");
            // the binding requires TLS; its certificate must be the self-signed one smtp.tls made at start
            SSLSocket socket = (SSLSocket) trustingOwnCertificate().getSocketFactory().createSocket(plain, "127.0.0.1", smtpPort, true);
            socket.startHandshake();
            tlsProtocol = socket.getSession().getProtocol();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
            for (String command : new String[] {"EHLO client.test", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA"}) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, command.equals("DATA") ? "354" : "250");
            }
            out.write((message + ".\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = reply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply;
        }
    }

    /** A TLS context that trusts exactly the certificate smtp.tls made for itself in Karaf's data/. */
    private static SSLContext trustingOwnCertificate() throws IOException, GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream pem = Files.newInputStream(home.resolve("data/tls/self-signed-cert.pem"))) {
            trusted.setCertificateEntry("suite", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String reply = reply(in);
        if (!reply.startsWith(code)) {
            throw new AssertionError("expected " + code + ", got " + reply);
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        for (int lines = 0; lines < 100; lines++) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                return line;
            }
        }
        throw new IOException("a reply of more than 100 lines");
    }

    private static Path awaitMessage(int count) throws Exception {
        Path folder = mail.resolve(DOMAIN).resolve("alice").resolve("new");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(folder)) {
                try (Stream<Path> files = Files.list(folder)) {
                    List<Path> list = files.sorted((a, b) -> Long.compare(modified(a), modified(b))).toList();
                    if (list.size() >= count) {
                        assertEquals(list.toString(), count, list.size());
                        return list.get(count - 1);
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("message " + count + " did not arrive in " + folder + " within 30 s");
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- ports and files

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitListening(int port, boolean open) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (listening(port) != open) {
            if (System.nanoTime() > deadline) {
                fail("port " + port + (open ? " did not open" : " did not close") + " within 60 s");
            }
            Thread.sleep(200);
        }
    }

    /** @return as many ports free on loopback, all different: each is held open until all are chosen */
    private static int[] freePorts(int count) throws IOException {
        ServerSocket[] held = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                held[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = held[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    private static void replaceLine(Path file, String key, String replacement) throws IOException {
        List<String> out = new ArrayList<>();
        boolean found = false;
        for (String line : Files.readAllLines(file)) {
            if (line.matches("\\s*" + key.replace(".", "\\.") + "\\s*=.*")) {
                out.add(replacement);
                found = true;
            } else {
                out.add(line);
            }
        }
        assertTrue(key + " in " + file, found);
        Files.write(file, out);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(file);
            }
        }
    }
}
