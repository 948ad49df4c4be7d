package smtp.server.internal.protocol;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.junit.Test;

import smtp.tlslayer.BufferPool;
import smtp.tlslayer.TlsLayer;

/** A connection's TLS handshake runs under the connection's deadlines. */
public class ConnectionTlsTest {

    @Test(timeout = 60_000)
    public void aHandshakeThatStallsPastTheIdleTimeoutEndsTheConnection() throws Exception {
        BufferPool buffers = new BufferPool(TlsLayer.BUFFER, 4, 16);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (ServerSocket listening = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                Socket silent = new Socket(InetAddress.getLoopbackAddress(), listening.getLocalPort());
                Socket accepted = listening.accept()) {
            silent.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // the start of a ClientHello's record, no more
            Connection connection = new Connection(accepted, 500, 0, new ReadTimeouts(timer));
            SSLEngine engine = SSLContext.getDefault().createSSLEngine();
            engine.setUseClientMode(false);
            long start = System.nanoTime();
            ConnectionLost lost = assertThrows(ConnectionLost.class, () -> connection.startTls(engine, buffers));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(ConnectionLost.Cause.IDLE, lost.cause);
            assertEquals("the TLS handshake took too long", lost.getMessage());
            assertTrue("ended after " + millis + " ms", millis >= 450 && millis < 20_000);
            assertEquals(null, connection.tlsCipher());
            connection.close();
        } finally {
            timer.shutdownNow();
        }
        for (int i = 0; i < 16; i++) {
            assertTrue("the layer gave its buffers back: array " + (i + 1) + " of 16 is still out", buffers.take() != null);
        }
    }
}
