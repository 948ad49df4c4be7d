package smtp.itest;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A milter written for the tests, for what packaged milters cannot show: it answers option negotiation again
 * after QUIT_NC (so that connections can be reused), counts connections and negotiations, and holds its answer to
 * a RCPT for a recipient named "slow" until it is released. It continues every stage.
 */
final class ScriptedMilter implements AutoCloseable {

    final int port;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger negotiations = new AtomicInteger();
    /** The commands received, in order (macros left out). */
    final java.util.List<Character> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
    final CountDownLatch slowAsked = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final ServerSocket server;

    ScriptedMilter() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        port = server.getLocalPort();
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    Thread session = new Thread(() -> serve(socket), "scripted-milter");
                    session.setDaemon(true);
                    session.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }, "scripted-milter-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket socket) {
        try (socket) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (true) {
                int length = in.readInt();
                char command = (char) in.readUnsignedByte();
                byte[] data = new byte[length - 1];
                in.readFully(data);
                if (command != 'D') {
                    commands.add(command);
                }
                switch (command) {
                    case 'O' -> {
                        negotiations.incrementAndGet();
                        out.writeInt(13);
                        out.writeByte('O');
                        out.writeInt(6);
                        out.writeInt(0);
                        out.writeInt(0);
                    }
                    case 'D', 'A', 'K' -> {
                        // no answer; after K the next session negotiates again
                    }
                    case 'Q' -> {
                        return;
                    }
                    default -> {
                        if (command == 'R' && new String(data, StandardCharsets.US_ASCII).startsWith("<slow@")) {
                            slowAsked.countDown();
                            release.await(60, TimeUnit.SECONDS);
                        }
                        out.writeInt(1);
                        out.writeByte('c');
                    }
                }
                out.flush();
            }
        } catch (EOFException e) {
            // the client closed
        } catch (IOException | InterruptedException e) {
            // the test ended
        }
    }

    @Override
    public void close() throws IOException {
        release.countDown();
        server.close();
    }
}
