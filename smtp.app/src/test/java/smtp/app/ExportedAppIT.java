package smtp.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The exported applications as a user runs them: {@code java -jar} in a folder
 * with a {@code conf/}, on Felix and on Equinox. Mail goes in over STARTTLS and
 * lands in the Maildir, and the web console says every bundle is active.
 */
public class ExportedAppIT {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    @Test
    public void theFelixApplicationReceivesMail() throws Exception {
        run("smtp.jar");
    }

    @Test
    public void theEquinoxApplicationReceivesMail() throws Exception {
        run("smtp-equinox.jar");
    }

    private void run(String jar) throws Exception {
        Path home = folder.newFolder(jar).toPath();
        Path conf = Files.createDirectories(home.resolve("conf"));
        int smtp = freePort();
        int http = freePort();
        Files.writeString(conf.resolve("smtp.server.binding-test.config"),
                "address=\"127.0.0.1\"\nport=I\"" + smtp + "\"\ntlsMode=\"starttls\"\n");
        Files.writeString(conf.resolve("smtp.delivery.config"), "localDomains=[\"example.org\"]\nmailboxes=[\"bob@example.org\"]\n");
        Path log = home.resolve("app.log");
        Process app = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.osgi.service.http.port=" + http, "-jar", Paths.get(System.getProperty("app.target"), jar).toString())
                .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            awaitPort(smtp, app, log);
            awaitStarttls(smtp); // the self-signed default certificate is made at the first start
            send(smtp);
            Path inbox = home.resolve("data/mail/example.org/bob/new");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count(inbox) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(1, count(inbox));
            String message = Files.readString(Files.list(inbox).findFirst().orElseThrow());
            assertTrue(message, message.contains("\tby ") && message.contains("with ESMTPS id"));
            assertTrue(message, message.endsWith("Subject: exported\r\n\r\nfrom the test\r\n"));
            String status = console(http);
            assertTrue(status, status.matches("(?s).*all \\d+ bundles active.*"));
        } finally {
            app.destroy(); // the process this test started
            app.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static long count(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        }
    }

    private static void awaitPort(int port, Process app, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                throw new AssertionError("the application stopped: " + Files.readString(log));
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("nothing listens on " + port + " after 60 s: " + Files.readString(log));
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

    /** EHLO, STARTTLS (any certificate: the self-signed default), then one message. */
    private static void send(int port) throws Exception {
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout(15000);
            BufferedReader in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = plain.getOutputStream();
            expect(in, "220");
            command(out, "EHLO app.test");
            expect(in, "250 ");
            command(out, "STARTTLS");
            expect(in, "220");
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
            tls.startHandshake();
            in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
            out = tls.getOutputStream();
            for (String[] step : List.of(new String[] {"EHLO app.test", "250 "}, new String[] {"MAIL FROM:<alice@client.test>", "250"},
                    new String[] {"RCPT TO:<bob@example.org>", "250"}, new String[] {"DATA", "354"},
                    new String[] {"Subject: exported\r\n\r\nfrom the test\r\n.", "250"}, new String[] {"QUIT", "221"})) {
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

    private static String console(int port) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port
                + "/system/console/bundles.json").openConnection();
        connection.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("admin:admin".getBytes(StandardCharsets.US_ASCII)));
        connection.setConnectTimeout(10000);
        connection.setReadTimeout(10000);
        assertEquals(200, connection.getResponseCode());
        try (var body = connection.getInputStream()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

}
