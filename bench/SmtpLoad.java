import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An SMTP load client that times every message: N sessions at once send M
 * messages in all, each from MAIL to the reply after the final dot, either a new
 * connection per message or long sessions. Prints messages per second and the
 * accept latency (the final dot sent to the 250 read) at p50, p99 and max.
 * With starttls, every session says STARTTLS after its EHLO and goes on over TLS,
 * trusting whatever certificate the server shows (the bench's is self-signed).
 *
 * Run: java bench/SmtpLoad.java HOST PORT SESSIONS MESSAGES SIZE_BYTES per-message|long [RCPT] [starttls]
 */
public class SmtpLoad {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int sessions = Integer.parseInt(args[2]);
        int messages = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        boolean perMessage = args[5].equals("per-message");
        String recipient = args.length > 6 ? args[6] : "sink@bench.test";
        SSLContext tls = args.length > 7 && args[7].equals("starttls") ? trustingEveryone() : null;
        byte[] body = message(size);
        AtomicInteger next = new AtomicInteger();
        long[] latencies = new long[messages];
        AtomicInteger failures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int s = 0; s < sessions; s++) {
            Thread thread = new Thread(() -> {
                Connection connection = null;
                try {
                    for (int i; (i = next.getAndIncrement()) < messages; ) {
                        if (connection == null) {
                            connection = new Connection(host, port, tls);
                        }
                        long accepted = connection.send(recipient, body);
                        if (accepted < 0) {
                            failures.incrementAndGet();
                        }
                        latencies[i] = accepted;
                        if (perMessage) {
                            connection.close();
                            connection = null;
                        }
                    }
                    if (connection != null) {
                        connection.close();
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                    System.err.println("session failed: " + e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = Arrays.stream(latencies).filter(latency -> latency > 0).sorted().toArray();
        System.out.printf("messages=%d failures=%d seconds=%.2f rate=%.0f/s p50=%.2fms p99=%.2fms max=%.2fms%n",
                sorted.length, failures.get(), seconds, sorted.length / seconds, percentile(sorted, 50) / 1e6,
                percentile(sorted, 99) / 1e6, sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
    }

    /** TLS that takes any certificate: the bench measures the server's work, not its identity. */
    private static SSLContext trustingEveryone() throws Exception {
        X509TrustManager everyone = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {everyone}, null);
        return context;
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    /** A message of about that many bytes: headers, then lines of 76 characters. */
    static byte[] message(int size) {
        StringBuilder text = new StringBuilder("From: load@bench.test\r\nTo: sink@bench.test\r\nSubject: load\r\n\r\n");
        while (text.length() < size - 80) {
            text.append("x".repeat(76)).append("\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static final class Connection {
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        Connection(String host, int port, SSLContext tls) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), 10000);
            socket.setSoTimeout(60000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            expect(220);
            command("EHLO load.bench.test");
            expect(250);
            if (tls != null) {
                command("STARTTLS");
                expect(220);
                SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
                secured.startHandshake();
                socket = secured;
                in = new BufferedInputStream(secured.getInputStream());
                out = secured.getOutputStream();
                command("EHLO load.bench.test");
                expect(250);
            }
        }

        /** @return nanoseconds from the final dot to the 250, or -1 if the message was refused */
        long send(String recipient, byte[] body) throws IOException {
            command("MAIL FROM:<load@bench.test>");
            expect(250);
            command("RCPT TO:<" + recipient + ">");
            expect(250);
            command("DATA");
            expect(354);
            out.write(body);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long sent = System.nanoTime();
            int code = reply();
            long latency = System.nanoTime() - sent;
            return code == 250 ? latency : -1;
        }

        void close() throws IOException {
            command("QUIT");
            reply();
            socket.close();
        }

        private void command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private void expect(int code) throws IOException {
            int got = reply();
            if (got != code) {
                throw new IOException("expected " + code + ", got " + got);
            }
        }

        /** Reads a whole reply, multi-line or not; returns its code. */
        private int reply() throws IOException {
            while (true) {
                StringBuilder line = new StringBuilder();
                for (int c; (c = in.read()) != '\n'; ) {
                    if (c < 0) {
                        throw new IOException("connection closed");
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
