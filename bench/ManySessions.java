import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many simultaneous sessions: N clients connect and send EHLO, all of them
 * stay idle together for a while, then each sends one message. One more client,
 * while the N are connected, must be refused by the server's connection limit.
 * Needs Java 21 or later (a virtual thread per client).
 *
 * Run: java bench/ManySessions.java PORT N IDLE_SECONDS READY_FILE
 * (READY_FILE is written when all N are connected and idle, for the caller to measure the server)
 */
public class ManySessions {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        int idleSeconds = Integer.parseInt(args[2]);
        Path readyFile = Path.of(args[3]);
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger greeted = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < clients; i++) {
                threads.execute(() -> {
                    boolean counted = false;
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 30000);
                        socket.setSoTimeout(120000);
                        InputStream in = new BufferedInputStream(socket.getInputStream());
                        OutputStream out = socket.getOutputStream();
                        expect(in, 220);
                        command(out, "EHLO many.bench.test");
                        expect(in, 250);
                        greeted.incrementAndGet();
                        ready.countDown();
                        counted = true;
                        go.await();
                        command(out, "MAIL FROM:<many@bench.test>");
                        expect(in, 250);
                        command(out, "RCPT TO:<sink@bench.test>");
                        expect(in, 250);
                        command(out, "DATA");
                        expect(in, 354);
                        out.write("Subject: many\r\n\r\none of many sessions\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
                        expect(in, 250);
                        command(out, "QUIT");
                        expect(in, 221);
                        sent.incrementAndGet();
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        if (failed.incrementAndGet() <= 3) {
                            System.out.println("a client failed: " + e);
                        }
                        if (!counted) {
                            ready.countDown();
                        }
                    }
                });
            }
            boolean all = ready.await(300, TimeUnit.SECONDS);
            System.out.printf("%d of %d sessions greeted and idle after %.1f s%s%n", greeted.get(), clients,
                    (System.nanoTime() - start) / 1e9, all ? "" : " (gave up waiting)");
            System.out.println("one more connection: " + extra(port));
            Files.writeString(readyFile, "ready\n");
            Thread.sleep(idleSeconds * 1000L);
            long send = System.nanoTime();
            go.countDown();
            threads.shutdown();
            threads.awaitTermination(300, TimeUnit.SECONDS);
            System.out.printf("messages accepted: %d of %d in %.1f s, failures: %d%n", sent.get(), clients,
                    (System.nanoTime() - send) / 1e9, failed.get());
        }
        System.exit(sent.get() == clients ? 0 : 1);
    }

    /** @return the first line the server says to one more client */
    static String extra(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10000);
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != '\n' && c >= 0; ) {
                line.append((char) c);
            }
            return line.toString().trim();
        } catch (IOException e) {
            return e.toString();
        }
    }

    static void command(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static void expect(InputStream in, int code) throws IOException {
        while (true) {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new IOException("closed");
                }
                line.append((char) c);
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                int got = Integer.parseInt(line.substring(0, 3));
                if (got != code) {
                    throw new IOException("expected " + code + ", got " + line);
                }
                return;
            }
        }
    }
}
