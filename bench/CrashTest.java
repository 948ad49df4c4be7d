import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Crash safety of the exported app under load. Sessions send numbered messages
 * while the server is killed with SIGKILL at random moments, ROUNDS times, and
 * started again each time; then it is stopped once with SIGTERM under load.
 * Afterwards every message that got a 250 must be in a mailbox exactly as sent,
 * no mailbox may hold a message that is not whole, and no message may be there
 * twice.
 *
 * Run: java bench/CrashTest.java APP_JAR WORK_DIR [ROUNDS] [direct|artemis|spool]
 * (direct: the delivery service writes each message straight into the Maildir,
 * its default; artemis: through the queue on the embedded Artemis broker;
 * spool: through the queue in the file spool)
 */
public class CrashTest {

    static final int PORT = 2529;
    static final int SESSIONS = 10;

    public static void main(String[] args) throws Exception {
        Path jar = Paths.get(args[0]).toAbsolutePath();
        Path home = Paths.get(args[1]).toAbsolutePath();
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        String mode = args.length > 3 ? args[3] : "direct"; // straight into the Maildir, or through a queue store
        boolean direct = mode.equals("direct");
        deleteTree(home);
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/smtp.server.binding-crash.config"), "address=\"127.0.0.1\"\nport=I\"" + PORT + "\"\n");
        Files.writeString(home.resolve("conf/smtp.delivery.config"),
                "localDomains=[\"bench.test\"]\nmailboxes=[\"sink@bench.test\"]\ndirectLocalDelivery=B\"" + direct + "\"\n"
                + (mode.equals("spool") ? "store.target=\"(smtp.queue.store=spool)\"\n" : ""));
        if (mode.equals("spool")) {
            Files.writeString(home.resolve("conf/smtp.queue.spool.config"), "directory=\"data/spool\"\n");
        }
        Files.writeString(home.resolve("conf/smtp.server.config"), "drainGracePeriod=I\"10\"\n");
        Random random = new Random();
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        for (int round = 1; round <= rounds + 1; round++) {
            boolean last = round == rounds + 1;
            Process app = start(jar, home);
            long before = acknowledged.size();
            Load load = new Load(next, acknowledged);
            load.start();
            Thread.sleep(500 + random.nextInt(2500));
            long start = System.nanoTime();
            if (last) {
                app.destroy(); // SIGTERM: an orderly stop
            } else {
                app.destroyForcibly(); // SIGKILL
            }
            boolean ended = app.waitFor(60, TimeUnit.SECONDS);
            load.stop();
            System.out.printf("round %2d: %s after %d new 250s; the process %s in %d ms%n", round, last ? "SIGTERM" : "SIGKILL",
                    acknowledged.size() - before, ended ? "ended" : "DID NOT END",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            if (!ended) {
                app.destroyForcibly();
                throw new AssertionError("the app did not end");
            }
            if (last && mode.equals("spool")) {
                checkSpoolConsistent(home.resolve("data/spool"));
            }
        }
        // deliver what the queue holds, then check the mailbox
        Process app = start(jar, home);
        Path inbox = home.resolve("data/mail/bench.test/sink/new");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!delivered(inbox, acknowledged) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(2000); // what is still on its way (a message the client was cut off from) arrives too
        app.destroy();
        app.waitFor(60, TimeUnit.SECONDS);
        check(inbox, acknowledged, next.get());
    }

    /** @return whether every acknowledged message has a file in the inbox (its content is checked later) */
    static boolean delivered(Path inbox, Set<Integer> acknowledged) throws IOException {
        if (!Files.isDirectory(inbox)) {
            return acknowledged.isEmpty();
        }
        Set<Integer> found = new java.util.HashSet<>();
        try (Stream<Path> list = Files.list(inbox)) {
            for (Path file : list.toList()) {
                String text = Files.readString(file, StandardCharsets.US_ASCII);
                int at = text.indexOf("Message-ID: <");
                if (at >= 0) {
                    found.add(Integer.parseInt(text.substring(at + 13, text.indexOf('@', at))));
                }
            }
        }
        return found.containsAll(acknowledged);
    }

    static Process start(Path jar, Path home) throws Exception {
        Process app = new ProcessBuilder("java", "-Dorg.osgi.service.http.port=0", "-jar", jar.toString())
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("app.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", PORT)) {
                return app;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        app.destroyForcibly();
        throw new AssertionError("the app did not listen within 60 s; see " + home.resolve("app.log"));
    }

    /** The message numbered n: its bytes are a function of n, and its last line says it is complete. */
    static byte[] message(int n) {
        StringBuilder text = new StringBuilder("From: crash@bench.test\r\nTo: sink@bench.test\r\nMessage-ID: <" + n
                + "@crash.bench.test>\r\nSubject: crash " + n + "\r\n\r\n");
        int lines = 20 + n % 200;
        for (int i = 0; i < lines; i++) {
            text.append("line ").append(i).append(" of message ").append(n).append(' ').append("x".repeat(50)).append("\r\n");
        }
        text.append("end of message ").append(n).append("\r\n");
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static void check(Path inbox, Set<Integer> acknowledged, int sent) throws IOException {
        Map<Integer, Integer> found = new HashMap<>();
        int incomplete = 0;
        List<Path> files;
        try (Stream<Path> list = Files.exists(inbox) ? Files.list(inbox) : Stream.empty()) {
            files = list.toList();
        }
        for (Path file : files) {
            byte[] stored = Files.readAllBytes(file);
            String text = new String(stored, StandardCharsets.US_ASCII);
            int at = text.indexOf("Message-ID: <");
            int n = at < 0 ? -1 : Integer.parseInt(text.substring(at + 13, text.indexOf('@', at)));
            byte[] expected = n < 0 ? new byte[0] : message(n);
            boolean whole = n >= 0 && stored.length >= expected.length
                    && Arrays.equals(expected, Arrays.copyOfRange(stored, stored.length - expected.length, stored.length));
            if (!whole) {
                incomplete++;
                System.out.println("NOT WHOLE: " + file);
                continue;
            }
            found.merge(n, 1, Integer::sum);
        }
        List<Integer> missing = new ArrayList<>();
        for (int n : acknowledged) {
            if (!found.containsKey(n)) {
                missing.add(n);
            }
        }
        long duplicates = found.values().stream().filter(count -> count > 1).count();
        System.out.printf("messages sent: %d, acknowledged (250): %d, in the mailbox: %d (of which %d not acknowledged: "
                + "the client was cut off before its 250)%n", sent, acknowledged.size(), found.size(),
                found.keySet().stream().filter(n -> !acknowledged.contains(n)).count());
        System.out.printf("acknowledged but missing: %d, not whole: %d, duplicates: %d%n", missing.size(), incomplete, duplicates);
        if (!missing.isEmpty() || incomplete > 0 || duplicates > 0) {
            System.out.println("FAILED" + (missing.isEmpty() ? "" : ": missing " + missing));
            System.exit(1);
        }
        System.out.println("PASSED");
    }

    /** After SIGTERM: every spooled message has its envelope and the other way round, and tmp/ is empty. */
    static void checkSpoolConsistent(Path spool) throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(spool.resolve("queue"))) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                String base = name.substring(0, name.lastIndexOf('.'));
                String other = name.endsWith(".msg") ? base + ".env" : base + ".msg";
                if (!Files.exists(file.resolveSibling(other))) {
                    problems.add(name + " without " + other);
                }
            }
        }
        try (Stream<Path> files = Files.list(spool.resolve("tmp"))) {
            files.forEach(file -> problems.add("left in tmp/: " + file.getFileName()));
        }
        System.out.println("spool after SIGTERM: " + (problems.isEmpty() ? "consistent" : "INCONSISTENT " + problems));
        if (!problems.isEmpty()) {
            System.exit(1);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path path : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** SESSIONS threads sending numbered messages until stopped or the connection fails. */
    static final class Load {
        private final AtomicInteger next;
        private final Set<Integer> acknowledged;
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running = true;

        Load(AtomicInteger next, Set<Integer> acknowledged) {
            this.next = next;
            this.acknowledged = acknowledged;
        }

        void start() {
            for (int i = 0; i < SESSIONS; i++) {
                Thread thread = new Thread(this::run);
                thread.start();
                threads.add(thread);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(30000);
            }
        }

        private void run() {
            while (running) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", PORT), 5000);
                    socket.setSoTimeout(20000);
                    InputStream in = new BufferedInputStream(socket.getInputStream());
                    OutputStream out = socket.getOutputStream();
                    expect(in, 220);
                    send(out, "EHLO crash.bench.test");
                    expect(in, 250);
                    while (running) {
                        int n = next.getAndIncrement();
                        send(out, "MAIL FROM:<crash@bench.test>");
                        expect(in, 250);
                        send(out, "RCPT TO:<sink@bench.test>");
                        expect(in, 250);
                        send(out, "DATA");
                        expect(in, 354);
                        out.write(message(n));
                        send(out, ".");
                        if (reply(in) == 250) {
                            acknowledged.add(n);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the server went away (or refused us while starting): try again while running
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }

        private static void send(OutputStream out, String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private static void expect(InputStream in, int code) throws IOException {
            int got = reply(in);
            if (got != code) {
                throw new IOException("expected " + code + ", got " + got);
            }
        }

        private static int reply(InputStream in) throws IOException {
            while (true) {
                StringBuilder line = new StringBuilder();
                for (int c; (c = in.read()) != '\n'; ) {
                    if (c < 0) {
                        throw new IOException("closed");
                    }
                    line.append((char) c);
                }
                if (line.length() < 4 || line.charAt(3) != '-') {
                    return Integer.parseInt(line.substring(0, 3));
                }
            }
        }
    }
}
