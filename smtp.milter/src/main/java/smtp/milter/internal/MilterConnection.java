package smtp.milter.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection to a milter, over TCP or a Unix socket: packets out, packets
 * in, each read within a time limit (a timer closes the connection when it is
 * past, which ends the read on either kind of socket).
 */
final class MilterConnection implements Closeable {

    /** A packet from the milter: its command byte and its data. */
    record Packet(char command, byte[] data) {}

    /** Where a milter listens, parsed from {@code inet:port@host}, {@code host:port} or {@code unix:/path}. */
    record Address(InetSocketAddress inet, Path unix) {

        static Address parse(String text) {
            String address = text == null ? "" : text.strip();
            String lower = address.toLowerCase(Locale.ROOT);
            if (lower.startsWith("unix:") || lower.startsWith("local:")) {
                String path = address.substring(address.indexOf(':') + 1);
                if (path.isEmpty()) {
                    throw new IllegalArgumentException("address '" + text + "' names no socket file");
                }
                return new Address(null, Path.of(path));
            }
            String host;
            String port;
            if (lower.startsWith("inet:") || lower.startsWith("inet6:")) {
                String rest = address.substring(address.indexOf(':') + 1);
                int at = rest.indexOf('@');
                port = at < 0 ? rest : rest.substring(0, at);
                host = at < 0 ? "127.0.0.1" : rest.substring(at + 1);
            } else {
                int colon = address.lastIndexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("address '" + text
                            + "' is none of inet:port@host, host:port, unix:/path");
                }
                host = address.substring(0, colon);
                port = address.substring(colon + 1);
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int number = Integer.parseInt(port);
                if (number < 1 || number > 65535) {
                    throw new NumberFormatException();
                }
                return new Address(InetSocketAddress.createUnresolved(host, number), null);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("address '" + text + "' has no port 1 to 65535");
            }
        }

        @Override
        public String toString() {
            return unix != null ? "unix:" + unix : "inet:" + inet.getPort() + "@" + inet.getHostString();
        }
    }

    private final Closeable socket;
    private final InputStream in;
    private final OutputStream out;
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    private MilterConnection(Closeable socket, InputStream in, OutputStream out, ScheduledExecutorService timer) {
        this.socket = socket;
        this.in = new BufferedInputStream(in);
        this.out = new BufferedOutputStream(out);
        this.timer = timer;
    }

    static MilterConnection open(Address address, int connectTimeout, ScheduledExecutorService timer)
            throws IOException {
        if (address.unix() != null) {
            SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(address.unix()));
            return new MilterConnection(channel, Channels.newInputStream(channel), Channels.newOutputStream(channel), timer);
        }
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(address.inet().getHostString(), address.inet().getPort()), connectTimeout);
            socket.setTcpNoDelay(true);
            return new MilterConnection(socket, socket.getInputStream(), socket.getOutputStream(), timer);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Queues a packet; {@link #flush} sends what is queued. */
    void write(char command, byte[] data) throws IOException {
        int length = data.length + 1;
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(command);
        out.write(data);
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Sends the queued packets and reads the milter's next packet within the time limit. */
    Packet read(long timeoutMillis) throws IOException {
        flush();
        ScheduledFuture<?> deadline = timer.schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            byte[] head = in.readNBytes(5);
            if (head.length < 5) {
                throw closed ? new SocketTimeoutException("no answer within " + timeoutMillis + " ms")
                        : new EOFException("the milter closed the connection");
            }
            int length = (head[0] & 0xff) << 24 | (head[1] & 0xff) << 16 | (head[2] & 0xff) << 8 | head[3] & 0xff;
            if (length < 1 || length > Packets.MAX_PACKET) {
                throw new IOException("the milter sent a packet of " + length + " bytes");
            }
            byte[] data = in.readNBytes(length - 1);
            if (data.length < length - 1) {
                throw new EOFException("the milter closed the connection in the middle of a packet");
            }
            return new Packet((char) (head[4] & 0xff), data);
        } catch (IOException e) {
            if (closed && !(e instanceof SocketTimeoutException)) {
                throw new SocketTimeoutException("no answer within " + timeoutMillis + " ms");
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    private void expire() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // it is closed either way
        }
    }

    boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        expire();
    }
}
