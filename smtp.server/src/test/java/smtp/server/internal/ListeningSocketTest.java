package smtp.server.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.Test;

public class ListeningSocketTest {

    /**
     * A connection is refused, or the kernel connects the client to itself: when the port is in the ephemeral
     * range and nobody listens, Linux may pick that very port as the source (a TCP self-connect).
     */
    static void assertNobodyListens(int port) throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            assertEquals("connected to a listener on " + port, port, client.getLocalPort());
        } catch (ConnectException refused) {
            // nobody listens
        }
    }

    @Test
    public void drainingReleasesThePortAndHoldsAcceptUntilClose() throws Exception {
        ExecutorService acceptor = Executors.newSingleThreadExecutor();
        try (ListeningSocket socket = new ListeningSocket(null)) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = socket.getLocalPort();
            Future<Socket> accepted = acceptor.submit(socket::accept);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertTrue(accepted.get(10, TimeUnit.SECONDS).isConnected());
            }
            Future<Socket> waiting = acceptor.submit(socket::accept);
            socket.drain();
            assertNobodyListens(port);
            assertThrows("accept waits while draining, not failing", TimeoutException.class,
                    () -> waiting.get(300, TimeUnit.MILLISECONDS));
            socket.close();
            Exception after = assertThrows(Exception.class, () -> waiting.get(10, TimeUnit.SECONDS));
            assertTrue(after.getCause() instanceof SocketException);
        } finally {
            acceptor.shutdownNow();
        }
    }

    @Test
    public void withoutDrainingAcceptFailsAtOnceOnClose() throws Exception {
        ExecutorService acceptor = Executors.newSingleThreadExecutor();
        try (ListeningSocket socket = new ListeningSocket(null)) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Future<Socket> waiting = acceptor.submit(socket::accept);
            Thread.sleep(100);
            socket.close();
            Exception after = assertThrows(Exception.class, () -> waiting.get(10, TimeUnit.SECONDS));
            assertTrue(after.getCause() instanceof IOException);
            assertTrue(socket.isClosed());
        } finally {
            acceptor.shutdownNow();
        }
    }

    @Test
    public void theBindingsReasonIsTakenFromTheStackTrace() {
        String failure = "org.osgi.service.component.ComponentException: java.lang.IllegalArgumentException: bad "
                + "smtp.server.binding configuration: port 0 is out of range; use 1 to 65535 in smtp.server.binding\n"
                + "\tat org.apache.felix.scr...\n";
        assertEquals("port 0 is out of range; use 1 to 65535 in smtp.server.binding", SmtpListener.bindingFailure(failure));
        assertEquals("java.lang.IllegalStateException: boom", SmtpListener.bindingFailure("java.lang.IllegalStateException: boom\n\tat x"));
        assertEquals("the configuration was not accepted", SmtpListener.bindingFailure(null));
    }
}
