package smtp.scan.clamav.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client of clamd's INSTREAM command, over TCP ({@code host:port}) or a Unix
 * socket ({@code unix:/path}). Connections are kept in clamd sessions
 * (IDSESSION) and reused, each checked with PING first; one that clamd has
 * closed meanwhile is dropped. Every exchange is bounded by the timeout.
 */
final class Clamd implements Closeable {

    private final String address;
    private final int timeoutMillis;
    private final int chunkSize;
    private final int poolSize;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "clamd-timeout");
        thread.setDaemon(true);
        return thread;
    });

    Clamd(String address, int timeoutMillis, int chunkSize, int poolSize) {
        this.address = address.trim();
        this.timeoutMillis = timeoutMillis;
        this.chunkSize = chunkSize;
        this.poolSize = poolSize;
    }

    /** One clamd session. */
    private final class Connection implements Closeable {
        final Closeable channel;
        final InputStream in;
        final DataOutputStream out;

        Connection() throws IOException {
            if (address.startsWith("unix:")) {
                SocketChannel socket = SocketChannel.open(UnixDomainSocketAddress.of(address.substring("unix:".length())));
                channel = socket;
                in = new BufferedInputStream(Channels.newInputStream(socket));
                out = new DataOutputStream(Channels.newOutputStream(socket));
            } else {
                int colon = address.lastIndexOf(':');
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                        timeoutMillis);
                socket.setSoTimeout(timeoutMillis);
                channel = socket;
                in = new BufferedInputStream(socket.getInputStream());
                out = new DataOutputStream(socket.getOutputStream());
            }
            out.write("zIDSESSION\0".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() {
            try {
                out.write("zEND\0".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // closing anyway
            }
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    /**
     * Streams the content to clamd and returns its answer without the session prefix, such as
     * {@code stream: OK} or {@code stream: Eicar-Test-Signature FOUND}.
     */
    String instream(InputStream content) throws IOException {
        Connection connection = take();
        while (connection != null && !alive(connection)) {
            connection.close(); // clamd ended the idle session meanwhile
            connection = take();
        }
        if (connection == null) {
            connection = new Connection();
        }
        try {
            String answer = instream(connection, new byte[chunkSize], content);
            give(connection);
            return answer;
        } catch (IOException e) {
            connection.close();
            throw e;
        }
    }

    /** Asks a reused session for PONG before any of a message goes into it. */
    private boolean alive(Connection connection) {
        ScheduledFuture<?> timeout = watchdog.schedule(connection::close, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            connection.out.write("zPING\0".getBytes(StandardCharsets.US_ASCII));
            connection.out.flush();
            return readReply(connection.in).endsWith("PONG");
        } catch (IOException e) {
            return false;
        } finally {
            timeout.cancel(false);
        }
    }

    private String instream(Connection connection, byte[] buffer, InputStream content) throws IOException {
        ScheduledFuture<?> timeout = watchdog.schedule(connection::close, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            connection.out.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
            for (int n; (n = content.read(buffer)) > 0; ) {
                connection.out.writeInt(n);
                connection.out.write(buffer, 0, n);
            }
            connection.out.writeInt(0);
            connection.out.flush();
            String reply = readReply(connection.in);
            int colon = reply.indexOf(": ");
            return colon > 0 && reply.substring(0, colon).chars().allMatch(Character::isDigit) ? reply.substring(colon + 2) : reply;
        } finally {
            timeout.cancel(false);
        }
    }

    private static String readReply(InputStream in) throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream(64);
        for (int b; (b = in.read()) >= 0; ) {
            if (b == 0 || b == '\n') {
                return reply.toString(StandardCharsets.UTF_8);
            }
            if (reply.size() > 4096) {
                throw new IOException("clamd reply too long");
            }
            reply.write(b);
        }
        throw new IOException("clamd closed the connection");
    }

    private synchronized Connection take() {
        return idle.pollFirst();
    }

    private synchronized void give(Connection connection) {
        if (idle.size() < poolSize) {
            idle.addFirst(connection);
        } else {
            connection.close();
        }
    }

    @Override
    public synchronized void close() {
        idle.forEach(Connection::close);
        idle.clear();
        watchdog.shutdownNow();
    }

}
