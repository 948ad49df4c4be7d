package smtp.app;

import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * An exported application started as a user starts it: {@code java @jvm.options -jar}
 * (the app's JVM options) in a folder of its own with a {@code conf/} (one STARTTLS binding on 127.0.0.1 and
 * the domain example.org), the web console on a free port, and the Gogo shell
 * on its standard input.
 */
final class ExportedApp implements AutoCloseable {

    static final String HEALTH_CONFIG = "org.apache.felix.hc.core.impl.servlet.HealthCheckExecutorServlet-smtp.config";

    final Path home;
    final int smtp;
    final int http;
    private final String jar;
    private final Path java;
    private final Path log;
    private Process process;
    private Writer shell;

    ExportedApp(Path home, String jar) throws Exception {
        this(home, jar, Paths.get(System.getProperty("java.home"), "bin", "java"));
    }

    /** @param java the {@code java} executable to start it with */
    ExportedApp(Path home, String jar, Path java) throws Exception {
        this.java = java;
        this.home = home;
        Path conf = Files.createDirectories(home.resolve("conf"));
        int[] ports = freePorts(2); // two calls of freePort() may be given the same port
        this.smtp = ports[0];
        this.http = ports[1];
        Files.writeString(conf.resolve("smtp.server.binding-test.config"),
                "address=\"127.0.0.1\"\nport=I\"" + smtp + "\"\ntlsMode=\"starttls\"\n");
        Files.writeString(conf.resolve("smtp.delivery.config"), "localDomains=[\"example.org\"]\nmailboxes=[\"bob@example.org\"]\n");
        Files.writeString(conf.resolve("smtp.server.config"), "# the listener, with its defaults\n");
        Files.copy(Paths.get("conf", HEALTH_CONFIG), conf.resolve(HEALTH_CONFIG)); // the app's own health endpoint
        this.log = home.resolve("app.log");
        this.jar = jar;
        start();
        try {
            awaitPort(smtp);
            awaitStarttls(smtp); // the self-signed default certificate is made at the first start
            awaitPort(http); // the web console starts after the mail server (start level 10)
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    private void start() throws IOException {
        process = new ProcessBuilder(java.toString(), "@" + Paths.get("jvm.options").toAbsolutePath(),
                "-Dorg.osgi.service.http.port=" + http, "-jar", Paths.get(System.getProperty("app.target"), jar).toString())
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        shell = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Sends SIGTERM, as a service manager does to stop it. */
    void terminate() {
        process.destroy();
    }

    /** @return whether the process ended within that many seconds */
    boolean awaitExit(int seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    /** Stops the application and starts it again in the same folder; waits until the web console answers. */
    void restart() throws Exception {
        close();
        start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                get("/system/health.json?tags=smtp.delivery");
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new AssertionError("the application did not come back: " + log());
                }
                Thread.sleep(200);
            }
        }
    }

    static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /** @return as many ports free on 127.0.0.1, all different: each is held open until all are chosen */
    static int[] freePorts(int count) throws IOException {
        ServerSocket[] held = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                held[i] = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
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

    /** Types a command into the Gogo shell. */
    void shell(String command) throws IOException {
        shell.write(command + "\n");
        shell.flush();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    Path inbox(String user) {
        return home.resolve("data/mail/example.org/" + user + "/new");
    }

    /** Waits until the inbox holds that many messages (30 s at most), and says how many it holds. */
    long awaitMessages(String user, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(inbox(user)) < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return count(inbox(user));
    }

    /** @return the status code and body of a GET on the app's HTTP port, without credentials */
    String[] get(String path) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + http + path)
                .openConnection();
        connection.setConnectTimeout(10000);
        connection.setReadTimeout(10000);
        int code = connection.getResponseCode();
        try (var body = code < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return new String[] {String.valueOf(code), body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8)};
        }
    }

    static boolean accepts(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits (30 s at most) until the port accepts connections or refuses them. */
    void awaitAccepting(int port, boolean accepting) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (accepts(port) != accepting) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("port " + port + (accepting ? " never listened" : " never closed") + ": " + log());
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // the process this test started
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    static long count(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        }
    }

    private void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the application stopped: " + log());
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("nothing listens on " + port + " after 60 s: " + log());
    }

    /** A TLS context that trusts exactly the certificate the app made for itself at its first start. */
    private SSLContext trustingOwnCertificate() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream pem = Files.newInputStream(home.resolve("data/tls/self-signed-cert.pem"))) {
            trusted.setCertificateEntry("app", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static void awaitStarttls(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(10000);
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                expect(in, "220");
                command(socket.getOutputStream(), "EHLO probe.test");
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.substring(4).equals("STARTTLS")) {
                        return;
                    }
                    if (line.charAt(3) == ' ') {
                        break;
                    }
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("STARTTLS not offered within 30 s");
    }

    /** EHLO, STARTTLS (trusting the app's own self-signed certificate, and only it), then one message. */
    void send(int port, String subject) throws Exception {
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(15000);
            BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = plain.getOutputStream();
            expect(in, "220");
            command(out, "EHLO app.test");
            expect(in, "250 ");
            command(out, "STARTTLS");
            expect(in, "220");
            SSLContext context = trustingOwnCertificate();
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
            tls.startHandshake();
            in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
            out = tls.getOutputStream();
            for (String[] step : List.of(new String[] {"EHLO app.test", "250 "}, new String[] {"MAIL FROM:<alice@client.test>", "250"},
                    new String[] {"RCPT TO:<bob@example.org>", "250"}, new String[] {"DATA", "354"},
                    new String[] {"Subject: " + subject + "\r\n\r\nfrom the test\r\n.", "250"}, new String[] {"QUIT", "221"})) {
                command(out, step[0]);
                expect(in, step[1]);
            }
        }
    }

    private static void command(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads reply lines until the last one, which must start with the expected text. */
    private static void expect(BufferedReader in, String start) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.length() < 4 || line.charAt(3) != '-') {
                assertTrue("expected " + start + " but got " + line, line.startsWith(start));
                return;
            }
        }
        throw new IOException("connection closed");
    }

}
