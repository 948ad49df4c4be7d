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
 * One listening address and port: its server socket and the thread that
 * accepts connections on it and starts a session for each. Closing the port
 * ({@link #closePort()}) releases it at once and leaves the sessions running.
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
    private final Thread acceptor;

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
        this.acceptor = new Thread(this::accept, "smtp-listener " + Addresses.hostPort(address));
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public EndpointSettings settings() {
        return settings;
    }

    public ServerContext context() {
        return context;
    }

    private void accept() {
        while (channel.isOpen()) {
            SocketChannel client;
            try {
                client = channel.accept();
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                LOG.warn("Accepting a connection on {} failed: {}", Addresses.hostPort(address), e.toString());
                pause();
                continue;
            }
            start(client);
        }
    }

    private void start(SocketChannel client) {
        if (!context.sessions().reserve()) {
            refuse(client);
            return;
        }
        try {
            client.setOption(StandardSocketOptions.TCP_NODELAY, true); // replies go out in batches of our own
            SmtpSession session = new SmtpSession(context, settings, this, client.socket(), nextId());
            context.threads().execute(session);
        } catch (IOException | RejectedExecutionException e) {
            context.sessions().unreserve();
            close(client);
        }
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
     * while its acceptor is blocked in accept is released only when that thread has left it.
     */
    public void closePort() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Closing the port of {} failed: {}", Addresses.hostPort(address), e.toString());
        }
        if (Thread.currentThread() != acceptor) {
            try {
                acceptor.join(TimeUnit.SECONDS.toMillis(10));
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
