package smtp.server.internal.endpoint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.net.Addresses;
import smtp.server.internal.net.Interception;
import smtp.server.internal.protocol.EndpointSettings;
import smtp.server.internal.protocol.ServerContext;
import smtp.server.internal.protocol.SmtpSession;
import smtp.server.internal.protocol.TlsMode;

/**
 * One listening address and port: its server socket, and a session thread that
 * waits in {@code accept} for the next connection. The thread that accepts a
 * connection passes the waiting on to another session thread and serves that
 * connection itself, so that a client's session starts without a hand-off to
 * another thread. Closing the port ({@link #closePort()}) releases it at once
 * and leaves the sessions running.
 */
public final class Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);
    /** Connections the kernel queues for accept: a burst of clients waits there instead of being dropped. */
    static final int BACKLOG = 1024;

    private final InetSocketAddress address;
    private final EndpointSettings settings;
    private final ServerContext context;
    private final ServerSocketChannel channel;
    private final AtomicLong sessionIds;
    private final Object acceptLock = new Object();
    /** The thread waiting in {@code accept}, if any; guarded by {@link #acceptLock}. */
    private Thread accepting;

    /**
     * Binds the port and starts accepting.
     *
     * @param sessionIds where session ids come from, unique while the listener runs
     * @throws IOException if the port cannot be bound
     */
    public Endpoint(InetSocketAddress address, EndpointSettings settings, ServerContext context, AtomicLong sessionIds)
            throws IOException {
        this.address = address;
        this.settings = settings;
        this.context = context;
        this.sessionIds = sessionIds;
        this.channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (settings.intercept() == EndpointSettings.Intercept.TPROXY) {
                Interception.makeTransparent(channel, address.getAddress() instanceof java.net.Inet6Address);
            }
            channel.bind(address, BACKLOG);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        try {
            context.threads().execute(this::acceptAndServe);
        } catch (RejectedExecutionException e) { // the listener is stopping
            channel.close();
            throw e;
        }
    }

    public EndpointSettings settings() {
        return settings;
    }

    public ServerContext context() {
        return context;
    }

    /**
     * Waits for a connection, passes the waiting on to another session thread, and serves the connection on this
     * one. Should no other thread take the waiting on (the listener is stopping), this thread keeps it, and closes
     * the connections it accepts meanwhile.
     */
    private void acceptAndServe() {
        while (true) {
            SocketChannel client;
            synchronized (acceptLock) {
                if (!channel.isOpen()) {
                    return;
                }
                accepting = Thread.currentThread();
            }
            try {
                client = channel.accept();
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                LOG.warn("Accepting a connection on {} failed: {}", Addresses.hostPort(address), e.toString());
                pause();
                continue;
            } finally {
                synchronized (acceptLock) {
                    accepting = null;
                    acceptLock.notifyAll();
                }
            }
            try {
                context.threads().execute(this::acceptAndServe);
            } catch (RejectedExecutionException stopping) {
                close(client);
                continue;
            }
            serve(client);
            return;
        }
    }

    private void serve(SocketChannel client) {
        if (!context.sessions().reserve()) {
            refuse(client);
            return;
        }
        SmtpSession session;
        try {
            client.setOption(StandardSocketOptions.TCP_NODELAY, true); // replies go out in batches of our own
            session = new SmtpSession(context, settings, this, client.socket(), nextId());
        } catch (IOException | RuntimeException e) { // the client gone already, or a fault of this bundle
            if (e instanceof RuntimeException) {
                LOG.error("Starting a session on {} failed", Addresses.hostPort(address), e);
            }
            context.sessions().unreserve();
            close(client);
            return;
        }
        session.run();
    }

    /** The listener has its maximum of connections: the client is told so, with no session started. */
    private void refuse(SocketChannel client) {
        context.warnings().warn(LOG, "connections-refused", "Connection from {} refused: the maximum of {} connections "
                + "is reached", client.socket().getInetAddress().getHostAddress(), context.sessions().limits().maxConnections());
        if (settings.tlsMode() != TlsMode.IMPLICIT && !settings.proxied()) {
            try { // a fresh connection's send buffer is empty: this write does not wait
                client.write(ByteBuffer.wrap(("421 4.7.0 " + context.hostName() + " Too many connections, try again later\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                // closing anyway
            }
        }
        close(client);
    }

    private String nextId() {
        return Long.toString(sessionIds.incrementAndGet(), 36).toUpperCase(Locale.ROOT);
    }

    /**
     * Stops accepting and releases the port; the sessions go on. Returns once the port is free: a channel closed
     * while a thread is blocked in its accept is released only when that thread has left it.
     */
    public void closePort() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Closing the port of {} failed: {}", Addresses.hostPort(address), e.toString());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (acceptLock) {
            try {
                for (long left; accepting != null && accepting != Thread.currentThread()
                        && (left = deadline - System.nanoTime()) > 0; ) {
                    TimeUnit.NANOSECONDS.timedWait(acceptLock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void close(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            // closed anyway
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // a failing accept (out of file descriptors) would otherwise spin
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
