package smtp.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * SMTP clients that send numbered messages, a connection each, and remember exactly what they sent and which
 * messages got a 250: those must arrive, whole and once, whatever happens to the servers.
 */
final class Mailer {

    /** Every message sent, by its number; the bytes as they must arrive. */
    final Map<Integer, byte[]> sent = new ConcurrentHashMap<>();
    /** The numbers of the messages that got a 250. */
    final Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger numbers = new AtomicInteger();
    private final String run;

    Mailer(String run) {
        this.run = run;
    }

    /** A message of about 3 KiB whose number is in its Message-ID, with a line that must be dot-stuffed. */
    byte[] message(int number) {
        return message(number, 40);
    }

    /** A message of that many lines of about 50 bytes each, and one that must be dot-stuffed. */
    byte[] message(int number, int lines) {
        StringBuilder text = new StringBuilder("Message-ID: <" + number + "." + run + "@" + Instance.DOMAIN + ">\r\n"
                + "Subject: message " + number + " of " + run + "\r\n\r\n");
        for (int i = 0; i < lines; i++) {
            text.append("line ").append(i).append(" of message ").append(number).append(": the quick brown fox\r\n");
        }
        text.append(".a line that starts with a dot\r\n");
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** @return the number of the Message-ID of a stored message, or -1 */
    int numberOf(String stored) {
        int at = stored.indexOf("Message-ID: <");
        int dot = at < 0 ? -1 : stored.indexOf('.', at);
        int end = at < 0 ? -1 : stored.indexOf("." + run + "@", at);
        return at < 0 || end != dot ? -1 : Integer.parseInt(stored.substring(at + "Message-ID: <".length(), dot));
    }

    /** Sends one new message; @return its number if the server answered 250 to it, else -1 */
    int send(int port, String recipient) {
        return send(port, recipient, 40);
    }

    /** Sends one new message of that many lines; @return its number if the server answered 250 to it, else -1 */
    int send(int port, String recipient, int lines) {
        int number = numbers.incrementAndGet();
        byte[] message = message(number, lines);
        sent.put(number, message);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            expect(in, "220");
            for (String[] step : new String[][] {{"EHLO mailer.test", "250"}, {"MAIL FROM:<alice@client.test>", "250"},
                {"RCPT TO:<" + recipient + ">", "250"}, {"DATA", "354"}}) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (!expect(in, step[1]).startsWith(step[1])) {
                    return -1;
                }
            }
            out.write(stuffed(message));
            out.flush();
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = expect(in, "250");
            if (!reply.startsWith("250")) {
                return -1;
            }
            acknowledged.put(number, reply);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return number;
        } catch (IOException e) {
            return -1; // cut off: no 250, nothing promised
        }
    }

    /** The last line of a reply. */
    private static String expect(BufferedReader in, String wanted) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.length() < 4 || line.charAt(3) != '-') {
                return line;
            }
        }
        throw new IOException("connection closed while waiting for " + wanted);
    }

    private static byte[] stuffed(byte[] message) {
        return new String(message, StandardCharsets.US_ASCII).replace("\r\n.", "\r\n..").getBytes(StandardCharsets.US_ASCII);
    }

    /** Clients sending on threads of their own, each to the port the supplier gives, until stopped. */
    final class Load implements AutoCloseable {
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stopped;

        Load(int clients, IntSupplier ports, String recipient) {
            for (int i = 0; i < clients; i++) {
                Thread thread = new Thread(() -> {
                    while (!stopped) {
                        send(ports.getAsInt(), recipient);
                    }
                }, "mailer-" + i);
                threads.add(thread);
                thread.start();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(90));
            }
        }
    }
}
