package smtp.app;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The exported applications as a user runs them: {@code java -jar} in a folder
 * with a {@code conf/}, on Felix and on Equinox, and on every JDK of the machine.
 * Mail goes in over STARTTLS and lands in the Maildir, and the web console says
 * every bundle is active. Local mail goes into files made ahead once they are
 * there, and what a crash leaves of them is delivered at the next start.
 */
public class ExportedAppIT {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theFelixApplicationReceivesMail() throws Exception {
        run("smtp.jar");
    }

    @Test
    public void theEquinoxApplicationReceivesMail() throws Exception {
        run("smtp-equinox.jar");
    }

    @Test
    public void aTermSignalLetsTheMessageUnderWayFinishAndStopsInOrder() throws Exception {
        try (ExportedApp app = new ExportedApp(folder.newFolder("term").toPath(), "smtp.jar");
                java.net.Socket socket = new java.net.Socket("127.0.0.1", app.smtp)) {
            socket.setSoTimeout(15000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            var out = socket.getOutputStream();
            String greeting = in.readLine();
            assertTrue(greeting, greeting.startsWith("220 "));
            String host = greeting.substring(4, greeting.indexOf(' ', 4));
            for (String[] step : new String[][] {{"HELO term.test", "250"}, {"MAIL FROM:<alice@client.test>", "250"},
                {"RCPT TO:<bob@example.org>", "250"}, {"DATA", "354"}}) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                assertTrue(step[0], in.readLine().startsWith(step[1]));
            }
            app.terminate();
            app.awaitAccepting(app.smtp, false); // the port closes at once
            out.write("Subject: under way\r\n\r\nsent while the server stops\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            String accepted = in.readLine();
            assertTrue(accepted, accepted.startsWith("250 2.0.0 Ok: queued as "));
            out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("421 4.3.2 " + host + " Service shutting down, try again later", in.readLine());
            assertTrue("the app ended", app.awaitExit(60));
            String log = app.log();
            assertTrue(log, log.contains("Asked to shut down: stopping the framework in order"));
            assertTrue(log, log.contains("SMTP server on 127.0.0.1:" + app.smtp + " stopped"));
            app.restart(); // what was accepted is delivered, by this run or the next
            assertEquals(1, app.awaitMessages("bob", 1));
        }
    }

    @Test
    public void localMailAfterTheFirstGoesIntoAFileMadeAheadAndWhatACrashLeftThereIsDeliveredAtTheNextStart()
            throws Exception {
        try (ExportedApp app = new ExportedApp(folder.newFolder("ready").toPath(), "smtp.jar")) {
            Path bob = app.inbox("bob").getParent();
            Path ready = bob.resolve("tmp/ready");
            app.send(app.smtp, "first"); // none made ahead yet: made in tmp/, and the first batch is made
            assertEquals(1, app.awaitMessages("bob", 1));
            Path first;
            try (Stream<Path> files = Files.list(app.inbox("bob"))) {
                first = files.findFirst().orElseThrow();
            }
            assertEquals("the first message took the Maildir way", null, marker(first));
            // the batch is made in the background: the messages after it go into its files (20 at most, 30 s)
            Path marked = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int n = 2; marked == null && n <= 20 && System.nanoTime() < deadline; n++) {
                app.send(app.smtp, "message " + n);
                assertEquals(n, app.awaitMessages("bob", n));
                try (Stream<Path> files = Files.list(app.inbox("bob"))) {
                    for (Path file : files.toList()) {
                        if (Files.readString(file).endsWith("Subject: message " + n + "\r\n\r\nfrom the test\r\n")
                                && marker(file) != null) {
                            marked = file;
                        }
                    }
                }
            }
            assertTrue("a message went into a file made ahead in " + ready, marked != null);
            byte[] content = Files.readAllBytes(marked);
            assertEquals("marked with its name, length and CRC-32C",
                    marked.getFileName() + " " + content.length + " " + crc(content), marker(marked));
            long stored = ExportedApp.count(app.inbox("bob"));

            app.terminate();
            assertTrue("the app ended", app.awaitExit(60));
            assertEquals("the files made ahead and not used are removed when the app stops", 0, ExportedApp.count(ready));
            // what a power cut between a message's fsync and its rename leaves, and one cut off before its 250
            byte[] left = "Return-Path: <alice@client.test>\r\nDelivered-To: bob@example.org\r\n\r\nleft\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            Path whole = Files.write(ready.resolve("r0.1"), left);
            mark(whole, "1796000000.LEFT " + left.length + " " + crc(left));
            Path cutOff = Files.write(ready.resolve("r0.2"), Arrays.copyOf(left, left.length - 8));
            mark(cutOff, "1796000001.CUT " + left.length + " " + crc(left));
            app.restart();
            assertEquals(stored + 1, app.awaitMessages("bob", stored + 1));
            assertArrayEquals(left, Files.readAllBytes(app.inbox("bob").resolve("1796000000.LEFT")));
            assertFalse(Files.exists(whole));
            assertFalse(Files.exists(cutOff));
            assertFalse(Files.exists(app.inbox("bob").resolve("1796000001.CUT")));
        }
    }

    private static String crc(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return Long.toHexString(crc.getValue());
    }

    private static String marker(Path file) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        if (!view.list().contains("smtp.message")) {
            return null;
        }
        ByteBuffer value = ByteBuffer.allocate(view.size("smtp.message"));
        view.read("smtp.message", value);
        return new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII);
    }

    private static void mark(Path file, String marker) throws IOException {
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                .write("smtp.message", ByteBuffer.wrap(marker.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    public void theFelixApplicationRunsOnEveryJdkOfThisMachine() throws Exception {
        // every JDK installed the usual way (/usr/lib/jvm), each once whatever its aliases
        Map<Integer, Path> jdks = new TreeMap<>();
        try (Stream<Path> homes = Files.list(Paths.get("/usr/lib/jvm"))) {
            for (Path home : homes.toList()) {
                Path java = home.resolve("bin/java");
                if (Files.isExecutable(java)) {
                    jdks.putIfAbsent(majorVersion(java.toRealPath()), java.toRealPath());
                }
            }
        }
        assertTrue(jdks.toString(), jdks.containsKey(17));
        System.out.println("the exported app runs on " + jdks);
        for (Map.Entry<Integer, Path> jdk : jdks.entrySet()) {
            run("smtp.jar", jdk.getValue(), "jdk-" + jdk.getKey());
        }
    }

    private static int majorVersion(Path executable) throws Exception {
        Process version = new ProcessBuilder(executable.toString(), "-XshowSettings:properties", "-version").redirectErrorStream(true).start();
        String output = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(executable + " -version did not end", version.waitFor(60, TimeUnit.SECONDS));
        Matcher spec = Pattern.compile("java\\.specification\\.version = (\\d+)").matcher(output);
        assertTrue(output, spec.find());
        return Integer.parseInt(spec.group(1));
    }

    private void run(String jar) throws Exception {
        run(jar, Paths.get(System.getProperty("java.home"), "bin", "java"), jar);
    }

    private void run(String jar, Path java, String folderName) throws Exception {
        try (ExportedApp app = new ExportedApp(folder.newFolder(folderName).toPath(), jar, java)) {
            app.send(app.smtp, "exported");
            assertEquals(1, app.awaitMessages("bob", 1));
            String message;
            try (Stream<Path> files = Files.list(app.inbox("bob"))) {
                message = Files.readString(files.findFirst().orElseThrow());
            }
            assertTrue(message, message.contains("\tby ") && message.contains("with ESMTPS id"));
            assertTrue(message, message.endsWith("Subject: exported\r\n\r\nfrom the test\r\n"));
            String status = console(app.http);
            assertTrue(status, status.matches("(?s).*all \\d+ bundles active.*"));
            // the framework keeps its copy of the bundles in the app's folder, where the next start empties it
            Path storage = app.home.resolve("data/framework");
            try (Stream<Path> files = Files.walk(storage)) {
                assertTrue("the framework storage in " + storage, files.filter(Files::isRegularFile).count() > 20);
            }
        }
    }

    /** The web console's bundle list; it starts after the mail server, so this waits for it (30 s at most). */
    private static String console(int port) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return bundles(port);
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(200);
            }
        }
    }

    private static String bundles(int port) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port
                + "/system/console/bundles.json").openConnection();
        connection.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("admin:admin".getBytes(StandardCharsets.US_ASCII)));
        connection.setConnectTimeout(10000);
        connection.setReadTimeout(10000);
        if (connection.getResponseCode() != 200) {
            throw new IOException("the console answered " + connection.getResponseCode());
        }
        try (var body = connection.getInputStream()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

}
