package smtp.server.internal.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

import smtp.tlslayer.BufferPool;
import smtp.tlslayer.TlsLayer;

/**
 * One client connection: its socket (plain, or TLS once started), the bytes
 * read ahead ({@link Input}) and the replies waiting to go out
 * ({@link Output}). Every read has a deadline: a command must arrive within the
 * idle timeout, and a message may take longer only as fast as it comes in at
 * the minimum data rate or more (as Postfix's per-request deadlines do), so
 * that a client sending a byte now and then cannot hold a session. The socket
 * is read without a timeout, under the watch of {@link ReadTimeouts}, also
 * under TLS ({@link TlsLayer}), whose records are read the same way.
 */
final class Connection implements Input.Source {

    private final Socket plain;
    private final InputStream in;
    private final OutputStream out;
    /** TLS, once started; null on a plain connection. */
    private TlsLayer tls;
    final Input input;
    final Output output;
    private final long idleNanos;
    private final long nanosPerByte;
    private long deadline;
    private boolean metered;
    private final ReadTimeouts watch;
    /** Whether the watch knows this connection: from its first plain read on, so that one never run is not left there. */
    private boolean watched;
    /** Whether a plain read is waiting, and until when: read by the watch. */
    private volatile boolean reading;
    private volatile long readDeadline;
    /** Set by the watch when it ended a read that waited past its deadline. */
    private volatile boolean expired;
    private volatile boolean closedByServer;
    /** How the connection ended under the session, once it did. */
    private ConnectionLost lost;

    /**
     * @param idleTimeoutMillis how long a read may wait, and a command take
     * @param minDataRate bytes per second a message must come in at, once its idle timeout is used up
     */
    Connection(Socket socket, long idleTimeoutMillis, int minDataRate, ReadTimeouts watch) throws IOException {
        this.plain = socket;
        this.watch = watch;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.input = new Input(this);
        this.output = new Output(out);
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.nanosPerByte = minDataRate > 0 ? TimeUnit.SECONDS.toNanos(1) / minDataRate : 0;
        startRequest();
    }

    /** A new command is awaited: it has the idle timeout to arrive. */
    void startRequest() {
        deadline = System.nanoTime() + idleNanos;
        metered = false;
    }

    /** A message is coming in: from now on each byte read moves the deadline on, by the minimum data rate. */
    void startTransfer() {
        metered = nanosPerByte > 0;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return timedRead(buffer, offset, length);
        } catch (ConnectionLost e) {
            lost = e;
            throw e;
        }
    }

    /** @return how the connection ended under the session, or null while it is up */
    ConnectionLost lost() {
        return lost;
    }

    private int timedRead(byte[] buffer, int offset, int length) throws IOException {
        if (output.pending()) {
            flush();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw timedOut();
        }
        int n = tls == null ? watchedRead(buffer, offset, length) : tlsRead(buffer, offset, length);
        if (n < 0) {
            throw closedByServer ? lost(null) : new ConnectionLost(ConnectionLost.Cause.CLIENT_GONE, "the client closed the connection");
        }
        if (metered) {
            deadline += n * nanosPerByte;
        }
        return n;
    }

    private int watchedRead(byte[] buffer, int offset, int length) throws IOException {
        if (!watched) {
            watch.watch(this);
            watched = true;
        }
        readDeadline = deadline;
        reading = true;
        try {
            int n = in.read(buffer, offset, length);
            if (n < 0 && expired) {
                throw timedOut();
            }
            return n;
        } catch (ConnectionLost e) {
            throw e;
        } catch (IOException e) {
            throw expired ? timedOut() : lost(e);
        } finally {
            reading = false;
        }
    }

    /** Called by the watch: ends a plain read that waits past its deadline. */
    void expireIfOverdue(long now) {
        if (reading && now - readDeadline > 0 && !expired) {
            expired = true;
            try {
                plain.shutdownInput(); // the blocked read returns at once, as at the end of the stream
            } catch (IOException e) {
                // closed meanwhile: the read ends anyway
            }
        }
    }

    private int tlsRead(byte[] buffer, int offset, int length) throws IOException {
        try {
            return tls.read(buffer, offset, length);
        } catch (ConnectionLost e) {
            throw e;
        } catch (IOException e) {
            throw lost(e);
        }
    }

    private ConnectionLost timedOut() {
        return metered ? new ConnectionLost(ConnectionLost.Cause.TOO_SLOW, "the client sent its message too slowly")
                : new ConnectionLost(ConnectionLost.Cause.IDLE, "the client sent nothing for too long");
    }

    private ConnectionLost lost(IOException e) {
        if (closedByServer) {
            return new ConnectionLost(ConnectionLost.Cause.CLOSED_BY_SERVER, "the server closed the connection");
        }
        return new ConnectionLost(ConnectionLost.Cause.CLIENT_GONE, "the connection failed: " + e.getMessage());
    }

    /** Sends the replies collected so far. */
    void flush() throws IOException {
        try {
            output.flush();
        } catch (IOException e) {
            lost = lost(e);
            throw lost;
        }
    }

    /** Sends one reply now. */
    void send(String reply) throws IOException {
        output.reply(reply);
        flush();
    }

    /**
     * Runs a TLS handshake with this engine, within the idle timeout; once it succeeded, the session runs over TLS
     * and the read-ahead is dropped.
     *
     * @param buffers the TLS layers' shared buffers, of {@link TlsLayer#BUFFER} bytes
     *
     * @throws IOException if the handshake failed or took too long; the connection stays as it was, to be closed
     */
    void startTls(SSLEngine engine, BufferPool buffers) throws IOException {
        TlsLayer layer = new TlsLayer(engine, this::watchedRead, out, buffers);
        startRequest();
        try {
            layer.handshake();
        } catch (ConnectionLost e) {
            layer.release();
            if (e.cause == ConnectionLost.Cause.IDLE) {
                throw new ConnectionLost(ConnectionLost.Cause.IDLE, "the TLS handshake took too long");
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            layer.release();
            throw e;
        }
        tls = layer;
        input.switchTo(this);
        output.switchTo(layer.output());
    }

    /** @return "TLSv1.3 TLS_AES_256_GCM_SHA384", or null on a plain connection */
    String tlsCipher() {
        if (tls != null) {
            SSLSession session = tls.session();
            return session.getProtocol() + " " + session.getCipherSuite();
        }
        return null;
    }

    /** @return "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", or null on a plain connection */
    String tlsDescription() {
        if (tls != null) {
            SSLSession session = tls.session();
            return session.getProtocol() + " with cipher " + session.getCipherSuite();
        }
        return null;
    }

    Socket plainSocket() {
        return plain;
    }

    InetSocketAddress remote() {
        return (InetSocketAddress) plain.getRemoteSocketAddress();
    }

    InetSocketAddress local() {
        return (InetSocketAddress) plain.getLocalSocketAddress();
    }

    /** Closes the connection from another thread; the session's blocked read ends. */
    void closeByServer() {
        closedByServer = true;
        closeSocket();
    }

    boolean closedByServer() {
        return closedByServer;
    }

    /** Closes the connection at the end of its session (from its thread), closing TLS first if it runs. */
    void close() {
        if (tls != null) {
            if (!closedByServer) {
                tls.closeOutbound();
            }
            tls.release();
        }
        closeSocket();
    }

    private void closeSocket() {
        watch.unwatch(this);
        try {
            plain.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
