package smtp.fleet;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The next hop for mail to other domains: an SMTP server on loopback that keeps every message it accepted (after
 * its 250), refuses recipients of {@value #DEFERRED_DOMAIN} for now (451), and can hold its answer to DATA, so that
 * a test can kill the relaying instance in the middle of a delivery.
 */
final class Smarthost implements AutoCloseable {

    static final String DEFERRED_DOMAIN = "later.test";

    final List<byte[]> messages = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final ExecutorService sessions = Executors.newCachedThreadPool();
    private volatile CountDownLatch held; // while set, DATA waits for it
    private volatile boolean acceptAll;
    private final CountDownLatch holding = new CountDownLatch(1);

    Smarthost() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getByName("127.0.0.1"));
        sessions.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** From now on, DATA waits until {@link #release()}; returns a latch counted down when one DATA waits. */
    CountDownLatch holdData() {
        held = new CountDownLatch(1);
        return holding;
    }

    /** From now on, recipients of {@value #DEFERRED_DOMAIN} are taken too. */
    void acceptAll() {
        acceptAll = true;
    }

    void release() {
        CountDownLatch gate = held;
        held = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sessions.execute(() -> session(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void session(Socket socket) {
        try (socket) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            reply(out, "220 smarthost.test ESMTP");
            int recipients = 0;
            for (String line; (line = line(in)) != null; ) {
                String verb = line.length() < 4 ? line.toUpperCase(Locale.ROOT) : line.substring(0, 4).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply(out, "250-smarthost.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600");
                    case "HELO", "MAIL", "RSET" -> {
                        recipients = 0;
                        reply(out, "250 2.0.0 Ok");
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 Ok");
                    case "RCPT" -> {
                        boolean later = !acceptAll && line.toLowerCase(Locale.ROOT).contains("@" + DEFERRED_DOMAIN + ">");
                        recipients += later ? 0 : 1;
                        reply(out, later ? "451 4.3.0 not now" : "250 2.1.5 Ok");
                    }
                    case "DATA" -> {
                        if (recipients == 0) { // as real servers do when every RCPT was refused (RFC 2920)
                            reply(out, "554 5.5.1 Error: no valid recipients");
                            continue;
                        }
                        CountDownLatch gate = held;
                        if (gate != null) {
                            holding.countDown();
                            gate.await();
                        }
                        reply(out, "354 go ahead");
                        byte[] message = data(in);
                        if (message == null) {
                            return; // the client went away: nothing was accepted
                        }
                        messages.add(message);
                        reply(out, "250 2.0.0 Ok: kept as " + messages.size());
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 not here");
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    /** The message up to the lone dot, dot-stuffing undone; null if the connection ended first. */
    private static byte[] data(InputStream in) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        for (String line; (line = line(in)) != null; ) {
            if (line.equals(".")) {
                return message.toByteArray();
            }
            message.writeBytes((line.startsWith(".") ? line.substring(1) : line).getBytes(StandardCharsets.ISO_8859_1));
            message.writeBytes(new byte[] {'\r', '\n'});
        }
        return null;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return null;
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        release();
        server.close();
        sessions.shutdownNow();
    }
}
