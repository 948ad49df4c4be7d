package smtp.tlslayer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The TLS layer over real loopback sockets. As the listener's side, against the JDK's TLS client: data both ways in
 * records of every size, a key update in mid-session, a renegotiation refused, the ways a client ends a connection, a
 * failed handshake, a reply written while the session waits in a read. As the relay's side, against the JDK's TLS
 * server and against itself: data both ways, the server's certificate checked for its host name, the server's
 * close_notify.
 */
public class TlsLayerTest {

    private static final String PASSWORD = "changeit";
    private static Path directory;
    private static SSLContext server;
    private static SSLContext client;

    private final BufferPool buffers = new BufferPool(TlsLayer.BUFFER, 4, 16);
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private ServerSocket listening;

    @BeforeClass
    public static void certificate() throws Exception {
        directory = Files.createTempDirectory("tlslayer");
        Path keyStore = directory.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-keypass", PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("keytool: " + output, keytool.waitFor(60, TimeUnit.SECONDS));
        assertEquals("keytool: " + output, 0, keytool.exitValue());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD.toCharArray());
        server = SSLContext.getInstance("TLS");
        server.init(keys.getKeyManagers(), null, null);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);
    }

    @AfterClass
    public static void removeCertificate() throws IOException {
        Files.deleteIfExists(directory.resolve("server.p12"));
        Files.deleteIfExists(directory);
    }

    @Before
    public void listen() throws IOException {
        listening = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    }

    @After
    public void stop() throws IOException {
        threads.shutdownNow();
        listening.close();
    }

    /** Whatever happened, the layers gave every array they took back: all 16 the pool lends can be taken again. */
    @After
    public void everyBufferIsBack() {
        for (int i = 0; i < 16; i++) {
            assertTrue("array " + (i + 1) + " of 16 is still out", buffers.take() != null);
        }
    }

    @Test(timeout = 60_000)
    public void dataOfEverySizeGoesBothWaysOverTls13() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Future<String> served = serveEcho(data.length);
        try (SSLSocket socket = connect("TLSv1.3")) {
            byte[] back = sendAndReadBack(socket.getInputStream(), socket.getOutputStream(), data, null);
            assertArrayEquals(data, back);
        }
        assertEquals("TLSv1.3", served.get(30, TimeUnit.SECONDS));
    }

    /** The client sends half, sends a key update (it starts a handshake again on TLS 1.3), then the rest. */
    @Test(timeout = 60_000)
    public void aKeyUpdateInMidSessionIsTaken() throws Exception {
        byte[] data = new byte[100_000];
        new Random(11).nextBytes(data);
        Future<String> served = serveEcho(data.length);
        try (SSLSocket socket = connect("TLSv1.3")) {
            assertArrayEquals(data, sendAndReadBack(socket.getInputStream(), socket.getOutputStream(), data,
                    socket::startHandshake));
        }
        assertEquals("TLSv1.3", served.get(30, TimeUnit.SECONDS));
    }

    @Test(timeout = 60_000)
    public void aRenegotiationInMidSessionIsRefusedAndEndsTheConnection() throws Exception {
        Future<IOException> served = serve(tls -> {
            byte[] buffer = new byte[64];
            assertEquals(6, tls.read(buffer, 0, buffer.length));
            tls.write(buffer, 0, 6);
            return assertThrows(IOException.class, () -> tls.read(buffer, 0, buffer.length));
        });
        try (SSLSocket socket = connect("TLSv1.2")) {
            socket.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertEquals("NOOP\r\n", new String(socket.getInputStream().readNBytes(6), StandardCharsets.US_ASCII));
            socket.startHandshake(); // sends its hello; the handshake would go on in the reads
            assertEquals("the client started a TLS renegotiation; refused", served.get(30, TimeUnit.SECONDS).getMessage());
            assertEquals("the connection ends, nothing more comes", -1, readOrEnd(socket.getInputStream()));
        }
    }

    @Test(timeout = 60_000)
    public void theClientsCloseNotifyEndsTheStreamAndTheServerClosesInTurn() throws Exception {
        Future<Integer> served = serve(tls -> {
            byte[] buffer = new byte[64];
            int n = tls.read(buffer, 0, buffer.length);
            assertEquals("QUIT\r\n", new String(buffer, 0, n, StandardCharsets.US_ASCII));
            int end = tls.read(buffer, 0, buffer.length);
            tls.closeOutbound();
            return end;
        });
        try (SSLSocket socket = connect("TLSv1.3")) {
            socket.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.shutdownOutput(); // close_notify
            assertEquals(-1, served.get(30, TimeUnit.SECONDS).intValue());
            assertEquals("the server's close_notify ends the client's stream", -1, socket.getInputStream().read());
        }
    }

    @Test(timeout = 60_000)
    public void aConnectionClosedWithoutCloseNotifyEndsTheStream() throws Exception {
        Future<Integer> served = serve(tls -> {
            byte[] buffer = new byte[64];
            assertEquals(5, tls.read(buffer, 0, buffer.length));
            int end = tls.read(buffer, 0, buffer.length);
            tls.closeOutbound(); // to a closed connection: nothing is thrown
            return end;
        });
        Socket raw = new Socket(InetAddress.getLoopbackAddress(), listening.getLocalPort());
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(raw, "localhost", listening.getLocalPort(), false);
        socket.startHandshake();
        socket.getOutputStream().write("EHLO\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        raw.close();
        assertEquals(-1, served.get(30, TimeUnit.SECONDS).intValue());
    }

    @Test(timeout = 60_000)
    public void aClientThatSpeaksNoTlsFailsTheHandshakeAndGetsNoPlaintext() throws Exception {
        Future<Exception> served = threads.submit(() -> {
            try (Socket socket = listening.accept()) {
                TlsLayer tls = layer(socket);
                SSLException failed = assertThrows(SSLException.class, tls::handshake);
                tls.release();
                return failed;
            }
        });
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = socket.getInputStream().readAllBytes();
            assertTrue("at most an alert record, got " + answer.length + " bytes",
                    answer.length == 0 || answer[0] == 0x15);
        }
        assertTrue(served.get(30, TimeUnit.SECONDS) instanceof SSLException);
    }

    @Test(timeout = 60_000)
    public void aReplyWrittenFromAnotherThreadWhileTheSessionReadsArrives() throws Exception {
        Future<Integer> served = serve(tls -> {
            Future<?> reply = threads.submit(() -> {
                Thread.sleep(200); // the session is in its read by then
                byte[] text = "421 4.3.2 shutting down\r\n".getBytes(StandardCharsets.US_ASCII);
                tls.write(text, 0, text.length);
                return null;
            });
            byte[] buffer = new byte[64];
            int n = tls.read(buffer, 0, buffer.length);
            reply.get(10, TimeUnit.SECONDS);
            return n;
        });
        try (SSLSocket socket = connect("TLSv1.3")) {
            byte[] line = new byte[25];
            int read = 0;
            while (read < line.length) {
                int n = socket.getInputStream().read(line, read, line.length - read);
                assertTrue("the reply before the end of the stream", n > 0);
                read += n;
            }
            assertEquals("421 4.3.2 shutting down\r\n", new String(line, StandardCharsets.US_ASCII));
            socket.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertEquals(6, served.get(30, TimeUnit.SECONDS).intValue());
        }
    }

    @Test(timeout = 60_000)
    public void asTheRelaysSideItTalksToTheJdksTlsServerWithItsCertificateChecked() throws Exception {
        byte[] data = new byte[200_000];
        new Random(13).nextBytes(data);
        try (SSLServerSocket tlsListening = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 5,
                InetAddress.getLoopbackAddress())) {
            Future<String> served = threads.submit(() -> {
                try (SSLSocket socket = (SSLSocket) tlsListening.accept()) {
                    socket.setSoTimeout(30_000);
                    InputStream in = socket.getInputStream();
                    byte[] buffer = new byte[5_000];
                    for (int total = 0; total < data.length; ) {
                        int n = in.read(buffer);
                        assertTrue("the stream ended after " + total + " bytes", n > 0);
                        socket.getOutputStream().write(buffer, 0, n);
                        total += n;
                    }
                    socket.getOutputStream().flush();
                    assertEquals("the relay's close_notify ends the stream", -1, in.read());
                    return socket.getSession().getProtocol();
                }
            });
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), tlsListening.getLocalPort())) {
                socket.setSoTimeout(30_000);
                TlsLayer tls = clientLayer(socket, "localhost");
                try {
                    tls.handshake();
                    assertEquals("TLSv1.3", tls.session().getProtocol());
                    assertArrayEquals(data, sendAndReadBack(tls.input(), tls.output(), data, null));
                    tls.closeOutbound();
                } finally {
                    tls.release();
                }
            }
            assertEquals("TLSv1.3", served.get(30, TimeUnit.SECONDS));
        }
    }

    @Test(timeout = 60_000)
    public void asTheRelaysSideItRefusesACertificateForAnotherHostName() throws Exception {
        Future<Exception> served = threads.submit(() -> {
            try (Socket socket = listening.accept()) {
                TlsLayer tls = layer(socket);
                try {
                    return assertThrows(IOException.class, tls::handshake);
                } finally {
                    tls.release();
                }
            }
        });
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
            socket.setSoTimeout(30_000);
            TlsLayer tls = clientLayer(socket, "mx.elsewhere.test");
            SSLException refused = assertThrows(SSLException.class, tls::handshake);
            tls.release();
            assertTrue(refused.getMessage(), refused.getMessage().contains("mx.elsewhere.test"));
        }
        assertTrue("the server's handshake fails too", served.get(30, TimeUnit.SECONDS) != null);
    }

    /** The listener's side and the relay's, both on the layer: data both ways, then the server's close_notify. */
    @Test(timeout = 60_000)
    public void bothSidesOnTheLayerCarryDataAndTheServersCloseNotifyEndsTheClientsStream() throws Exception {
        byte[] data = new byte[150_000];
        new Random(17).nextBytes(data);
        Future<String> served = serve(tls -> {
            echo(tls, data.length);
            tls.closeOutbound();
            return tls.session().getProtocol();
        });
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
            socket.setSoTimeout(30_000);
            TlsLayer tls = clientLayer(socket, "localhost");
            try {
                tls.handshake();
                assertArrayEquals(data, sendAndReadBack(tls.input(), tls.output(), data, null));
                assertEquals("TLSv1.3", served.get(30, TimeUnit.SECONDS));
                assertEquals(-1, tls.input().read());
            } finally {
                tls.release();
            }
        }
    }

    /** What the server does over a connection whose handshake is done. */
    private interface Served<T> {
        T run(TlsLayer tls) throws Exception;
    }

    /** Accepts one connection, runs the handshake, then {@code body}; the layer's buffers go back at the end. */
    private <T> Future<T> serve(Served<T> body) {
        return threads.submit(() -> {
            try (Socket socket = listening.accept()) {
                TlsLayer tls = layer(socket);
                try {
                    tls.handshake();
                    return body.run(tls);
                } finally {
                    tls.release();
                }
            }
        });
    }

    /** @return the protocol of the session, once it sent back as many bytes as it read */
    private Future<String> serveEcho(int length) {
        return serve(tls -> {
            echo(tls, length);
            return tls.session().getProtocol();
        });
    }

    private static SSLEngine engine() {
        SSLEngine engine = server.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        return engine;
    }

    private TlsLayer layer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        return new TlsLayer(engine(), in::read, socket.getOutputStream(), buffers);
    }

    /** @return the relay's side over this socket, for a server that must have a certificate for {@code host} */
    private TlsLayer clientLayer(Socket socket, String host) throws IOException {
        SSLEngine engine = client.createSSLEngine(host, socket.getPort());
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        InputStream in = socket.getInputStream();
        return new TlsLayer(engine, in::read, socket.getOutputStream(), buffers);
    }

    private SSLSocket connect(String protocol) throws IOException {
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                listening.getLocalPort());
        socket.setEnabledProtocols(new String[] {protocol});
        socket.setSoTimeout(30_000);
        socket.startHandshake();
        return socket;
    }

    /** @return the next byte, or -1 at the end of the stream or when the connection failed */
    private static int readOrEnd(InputStream in) {
        try {
            return in.read();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Reads {@code length} bytes in reads of whatever size comes, and sends each read back at once. */
    private static void echo(TlsLayer tls, int length) throws IOException {
        byte[] buffer = new byte[7_000];
        int total = 0;
        while (total < length) {
            int n = tls.read(buffer, 0, buffer.length);
            assertTrue("the stream ended after " + total + " of " + length + " bytes", n > 0);
            tls.write(buffer, 0, n);
            total += n;
        }
    }

    /** Something to do when half the data is sent. */
    private interface Halfway {
        void run() throws IOException;
    }

    /**
     * Sends the data in writes of growing sizes (one byte up to more than a record), while another thread reads what
     * comes back; runs {@code halfway}, if given, when half is sent.
     */
    private byte[] sendAndReadBack(InputStream in, OutputStream out, byte[] data, Halfway halfway) throws Exception {
        Future<byte[]> back = threads.submit(() -> {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[20_000];
            while (received.size() < data.length) {
                int n = in.read(buffer);
                assertTrue("the echo ended after " + received.size() + " bytes", n > 0);
                received.write(buffer, 0, n);
            }
            return received.toByteArray();
        });
        int sent = 0;
        int size = 1;
        while (sent < data.length) {
            int n = Math.min(size, data.length - sent);
            out.write(data, sent, n);
            out.flush();
            if (halfway != null && sent < data.length / 2 && sent + n >= data.length / 2) {
                halfway.run();
            }
            sent += n;
            size = size > 40_000 ? 1 : size * 3;
        }
        return back.get(30, TimeUnit.SECONDS);
    }
}
