package smtp.tlslayer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * TLS over a connection's plain bytes, run by an {@link SSLEngine} in the
 * thread that reads: records are read through the connection (with its
 * deadlines) and unwrapped here, and what is sent is wrapped here and written to
 * the socket. The listener runs it as the server (after STARTTLS, or at once on
 * an implicit TLS binding), the relay as the client of another server.
 * <p>
 * Not an {@code SSLSocket}: up to Java 18 every {@code SSLSocket} has a
 * finalizer, so a closed one (with its buffers and session) stays in the heap
 * until the finalizer thread has run and its generation is collected once more.
 * Under much mail over TLS they reach the old generation, which then fills with
 * closed connections: full collections follow each other, and the queue's heap
 * guard refuses mail. An engine has no finalizer; a closed connection's TLS
 * state is garbage like any other.
 * <p>
 * One thread reads; writes may come from another one (a reply sent while
 * draining), so they are serialized here.
 */
public final class TlsLayer {

    /** Where the TLS records come from. */
    public interface Network {
        /** @return bytes read, at least one, or -1 at the end of the stream */
        int read(byte[] buffer, int offset, int length) throws IOException;
    }

    /** The size of the pooled buffers: a TLS record of the largest size, and its plaintext. */
    public static final int BUFFER = 17 * 1024;

    private final SSLEngine engine;
    private final Network network;
    private final OutputStream out;
    private final BufferPool buffers;
    /** An empty buffer: the plaintext of a wrap that only sends handshake messages or alerts. */
    private final ByteBuffer nothing = ByteBuffer.allocate(0);
    /** Records read and not yet unwrapped, ready to be read (flipped); null when there are none. */
    private ByteBuffer netIn;
    /** Plaintext unwrapped and not yet handed out, ready to be read (flipped); null when there is none. */
    private ByteBuffer appIn;
    private boolean inboundDone;
    /** Whether the first handshake is over: from then on, a handshake under TLS 1.2 is a renegotiation. */
    private boolean established;

    /**
     * @param engine  an engine in the mode of this side (client or server), its handshake not begun
     * @param network the connection's plain bytes, read with its deadlines
     * @param out     the connection's plain output
     * @param buffers arrays of {@link #BUFFER} bytes, shared by the connections: a connection holds one only while
     *                it has bytes in it, not while it waits for the peer
     */
    public TlsLayer(SSLEngine engine, Network network, OutputStream out, BufferPool buffers) {
        this.engine = engine;
        this.network = network;
        this.out = out;
        this.buffers = buffers;
    }

    /**
     * Runs the handshake to its end. When it fails, the alert that says why is sent to the peer if it can be.
     *
     * @throws IOException if it fails, or the connection does
     */
    public void handshake() throws IOException {
        try {
            engine.beginHandshake();
            advance(engine.getHandshakeStatus());
            established = true;
        } catch (SSLException e) {
            sendClosing();
            throw e;
        }
    }

    public SSLSession session() {
        return engine.getSession();
    }

    /**
     * Reads plaintext; TLS 1.3's handshake messages that come between (a key update) are answered on the way. A
     * renegotiation (TLS 1.2) fails the read: a connection has one handshake.
     *
     * @return bytes read, at least one, or -1 once the peer closed TLS or the connection
     */
    public int read(byte[] buffer, int offset, int length) throws IOException {
        while (appIn == null) {
            if (inboundDone || !unwrap()) {
                return -1;
            }
        }
        int n = Math.min(length, appIn.remaining());
        appIn.get(buffer, offset, n);
        if (!appIn.hasRemaining()) {
            appIn = give(appIn);
        }
        return n;
    }

    /** Encrypts and sends plaintext, in as many records as it takes. */
    public synchronized void write(byte[] buffer, int offset, int length) throws IOException {
        ByteBuffer plaintext = ByteBuffer.wrap(buffer, offset, length);
        while (plaintext.hasRemaining()) {
            SSLEngineResult result = wrapAndSend(plaintext);
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("TLS is closed");
            }
            if (result.bytesConsumed() == 0 && result.bytesProduced() == 0
                    && result.getHandshakeStatus() != HandshakeStatus.NEED_TASK) {
                throw new SSLException("TLS cannot send now: its handshake waits for the " + peer());
            }
            runTasks(result.getHandshakeStatus());
        }
    }

    /** Sends the close_notify alert if the connection still takes it; the socket is closed by the caller. */
    public void closeOutbound() {
        engine.closeOutbound();
        sendClosing();
    }

    /** Gives the buffers held back to the pool, when the connection is done: from the thread that reads. */
    public void release() {
        if (netIn != null) {
            netIn = give(netIn);
        }
        if (appIn != null) {
            appIn = give(appIn);
        }
    }

    /** @return the plaintext as a stream, read with {@link #read} */
    public InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                return length == 0 ? 0 : TlsLayer.this.read(buffer, offset, length);
            }
        };
    }

    /** @return a stream that sends what is written to it with {@link #write}, at once: buffer it to send less often */
    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                TlsLayer.this.write(buffer, offset, length);
            }
        };
    }

    /** @return who is at the other end, for messages */
    private String peer() {
        return engine.getUseClientMode() ? "server" : "client";
    }

    /** Steps the handshake on until it no longer needs anything from this side. */
    private void advance(HandshakeStatus status) throws IOException {
        for (;;) {
            switch (status) {
                case NEED_WRAP -> {
                    synchronized (this) {
                        status = wrapAndSend(nothing).getHandshakeStatus();
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrap()) {
                        throw new SSLException("the " + peer() + " closed the connection during the TLS handshake");
                    }
                    status = engine.getHandshakeStatus();
                }
                case NEED_TASK -> {
                    runTasks(status);
                    status = engine.getHandshakeStatus();
                }
                case FINISHED -> status = engine.getHandshakeStatus(); // a TLS 1.3 server may still have tickets to send
                default -> {
                    return;
                }
            }
            if (engine.isInboundDone() && engine.isOutboundDone()) {
                return;
            }
        }
    }

    /**
     * Unwraps the records read (reading from the network as needed, until one is whole) into {@link #appIn}, and
     * answers what they ask for.
     *
     * @return false at the end of the stream, or when the peer closed TLS
     */
    private boolean unwrap() throws IOException {
        appIn = appIn == null ? take(engine.getSession().getApplicationBufferSize()) : appIn.compact();
        SSLEngineResult result;
        try {
            for (;;) {
                result = engine.unwrap(netIn != null ? netIn : nothing, appIn);
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    if (!readRecords()) {
                        return false;
                    }
                } else if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    appIn = enlarge(appIn, engine.getSession().getApplicationBufferSize());
                } else {
                    break;
                }
            }
        } finally {
            appIn.flip();
            if (!appIn.hasRemaining()) {
                appIn = give(appIn);
            }
            if (netIn != null && !netIn.hasRemaining()) {
                netIn = give(netIn);
            }
        }
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
            inboundDone = true;
            return false;
        }
        HandshakeStatus status = result.getHandshakeStatus();
        if (status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED) {
            if (established && !"TLSv1.3".equals(engine.getSession().getProtocol())) {
                // one handshake per connection: renegotiations would let a client spend the server's CPU at will, and a relay needs none
                throw new SSLException("the " + peer() + " started a TLS renegotiation; refused");
            }
            if (status != HandshakeStatus.NEED_UNWRAP) {
                advance(status);
            }
        }
        return true;
    }

    /** @return false at the end of the stream: the peer closed the connection without closing TLS */
    private boolean readRecords() throws IOException {
        if (netIn == null) {
            netIn = take(engine.getSession().getPacketBufferSize());
        } else {
            netIn.compact();
            if (!netIn.hasRemaining()) {
                netIn = enlarge(netIn, engine.getSession().getPacketBufferSize());
            }
        }
        try {
            int n = network.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
            if (n < 0) {
                inboundDone = true;
                return false;
            }
            netIn.position(netIn.position() + n);
            return true;
        } finally {
            netIn.flip();
        }
    }

    /** Wraps once and sends what it produced; the caller holds the lock. */
    private SSLEngineResult wrapAndSend(ByteBuffer plaintext) throws IOException {
        ByteBuffer netOut = take(engine.getSession().getPacketBufferSize());
        try {
            for (;;) {
                SSLEngineResult result = engine.wrap(plaintext, netOut);
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    netOut = enlarge(netOut, engine.getSession().getPacketBufferSize());
                    continue;
                }
                if (netOut.position() > 0) {
                    out.write(netOut.array(), 0, netOut.position());
                    out.flush();
                }
                return result;
            }
        } finally {
            give(netOut);
        }
    }

    /** Runs the engine's delegated tasks (key agreement, certificate checks) in this thread. */
    private void runTasks(HandshakeStatus status) {
        if (status == HandshakeStatus.NEED_TASK) {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        }
    }

    /** Sends what the engine has left to say as it closes (close_notify, or the alert of a failed handshake), if the connection takes it. */
    private synchronized void sendClosing() {
        try {
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                if (wrapAndSend(nothing).bytesProduced() == 0) {
                    return;
                }
            }
        } catch (IOException e) {
            // the connection is gone: no one to tell
        }
    }

    /** @return a buffer being filled, of at least this size: from the pool if it is the pool's size or less */
    private ByteBuffer take(int size) {
        byte[] array = size <= BUFFER ? buffers.take() : null;
        return ByteBuffer.wrap(array != null ? array : new byte[Math.max(size, BUFFER) + 1]);
    }

    /**
     * Gives the buffer's array back to the pool if it came from there (arrays allocated here are one byte longer, and
     * the pool takes only arrays of its size).
     *
     * @return null, for the field that held it
     */
    private ByteBuffer give(ByteBuffer buffer) {
        buffers.give(buffer.array());
        return null;
    }

    /** @return a larger buffer being filled, holding what this one (being filled) holds; this one given back */
    private ByteBuffer enlarge(ByteBuffer filling, int size) {
        ByteBuffer larger = ByteBuffer.wrap(new byte[Math.max(size, filling.capacity() * 2) + 1]);
        larger.put(filling.flip());
        give(filling);
        return larger;
    }
}
