package smtp.delivery.internal;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An SMTP server on a loopback port for the relay tests: it speaks real SMTP
 * over sockets, records every command and message, and answers RCPT and the
 * end of data as the test says.
 */
final class ScriptedPeer implements AutoCloseable {

    final List<String> commands = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();
    /** What happened on each connection: "tls" once STARTTLS succeeded. */
    final List<String> sessions = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private javax.net.ssl.SSLContext tls;
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    /** The most connections that were open at once. */
    final java.util.concurrent.atomic.AtomicInteger mostAtOnce = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long dataDelayMillis;
    private volatile List<String> extensions = List.of();
    private final Function<String, String> rcptReply;
    private final Function<Integer, String> dataReply;
    private final Thread thread;

    /**
     * @param rcptReply the reply to RCPT TO for an address
     * @param dataReply the reply to the end of data for the n-th message (from 1)
     */
    ScriptedPeer(Function<String, String> rcptReply, Function<Integer, String> dataReply) throws IOException {
        this.server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
        this.rcptReply = rcptReply;
        this.dataReply = dataReply;
        this.thread = new Thread(this::serve, "scripted-smtp-peer");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Waits this long before answering the end of data, so that connections overlap. */
    ScriptedPeer withDataDelay(long millis) {
        this.dataDelayMillis = millis;
        return this;
    }

    /** Offers these extensions too (DSN, SMTPUTF8, CHUNKING, BINARYMIME, REQUIRETLS...) in its EHLO reply. */
    ScriptedPeer withExtensions(String... extensions) {
        this.extensions = List.of(extensions);
        return this;
    }

    /** Offers STARTTLS with this context (a certificate and key). */
    ScriptedPeer withTls(javax.net.ssl.SSLContext context) {
        this.tls = context;
        return this;
    }

    /** A loopback port where nothing listens. */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread connection = new Thread(() -> {
                    mostAtOnce.accumulateAndGet(active.incrementAndGet(), Math::max);
                    try (socket) {
                        socket.setSoTimeout(10000);
                        converse(socket);
                    } catch (IOException | InterruptedException e) {
                        // the client went away
                    } finally {
                        active.decrementAndGet();
                    }
                }, "scripted-smtp-peer-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void converse(Socket plain) throws IOException, InterruptedException {
        Socket socket = plain;
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        boolean encrypted = false;
        int accepted = 0; // recipients of the transaction under way
        reply(out, "220 peer.test ESMTP scripted");
        for (String line; (line = readLine(in)) != null; ) {
            commands.add(line);
            String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line;
            switch (verb) {
                case "EHLO" -> reply(out, "250-peer.test\r\n250-PIPELINING\r\n250-SIZE 10000000\r\n"
                        + (tls != null && !encrypted ? "250-STARTTLS\r\n" : "") + (encrypted ? "250-AUTH PLAIN\r\n" : "")
                        + extensions.stream().map(e -> "250-" + e + "\r\n").collect(java.util.stream.Collectors.joining())
                        + "250 8BITMIME");
                case "BDAT" -> { // one chunk, LAST: the bytes as they are
                    String[] words = line.split(" ");
                    byte[] chunk = in.readNBytes(Integer.parseInt(words[1]));
                    accepted = 0;
                    messages.add(new String(chunk, StandardCharsets.ISO_8859_1));
                    reply(out, dataReply.apply(messages.size()));
                }
                case "STAR" -> {
                    reply(out, "220 2.0.0 go ahead");
                    javax.net.ssl.SSLSocket secure = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                            .createSocket(socket, null, socket.getPort(), false);
                    secure.setUseClientMode(false);
                    secure.startHandshake();
                    sessions.add("tls");
                    socket = secure;
                    in = new BufferedInputStream(secure.getInputStream());
                    out = secure.getOutputStream();
                    encrypted = true;
                }
                case "AUTH" -> reply(out, "235 2.7.0 Authentication successful");
                case "MAIL" -> {
                    accepted = 0;
                    reply(out, "250 2.1.0 Ok");
                }
                case "RCPT" -> {
                    String answer = rcptReply.apply(line.substring(line.indexOf('<') + 1, line.indexOf('>')));
                    accepted += answer.startsWith("2") ? 1 : 0;
                    reply(out, answer);
                }
                case "DATA" -> {
                    if (accepted == 0) { // as Postfix answers (RFC 2920: DATA may come pipelined after refused RCPTs)
                        reply(out, "554 5.5.1 Error: no valid recipients");
                        continue;
                    }
                    accepted = 0;
                    reply(out, "354 go ahead");
                    messages.add(readData(in));
                    Thread.sleep(dataDelayMillis);
                    reply(out, dataReply.apply(messages.size()));
                }
                case "QUIT" -> {
                    reply(out, "221 2.0.0 Bye");
                    return;
                }
                default -> reply(out, "250 2.0.0 Ok");
            }
        }
    }

    private static String readData(InputStream in) throws IOException {
        StringBuilder message = new StringBuilder();
        for (String line; (line = readLine(in)) != null && !line.equals("."); ) {
            message.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        return message.toString();
    }

    private static void reply(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length,
                        StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
