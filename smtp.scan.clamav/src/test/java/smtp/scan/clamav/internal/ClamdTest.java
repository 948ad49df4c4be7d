package smtp.scan.clamav.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.server.spi.ScanResultDTO;

/** The clamd client against a real clamd (Debian's clamav-daemon) with a signature database the test writes. */
public class ClamdTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static final byte[] EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
            .getBytes(StandardCharsets.US_ASCII);

    private Process clamd;
    private int port;

    private void startClamd() throws Exception {
        Path dir = folder.getRoot().toPath();
        Path database = Files.createDirectories(dir.resolve("db"));
        Files.writeString(database.resolve("test.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n");
        if (port == 0) {
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
        }
        Files.writeString(dir.resolve("clamd.conf"), "Foreground yes\nDatabaseDirectory " + database + "\nTCPSocket " + port
                + "\nTCPAddr 127.0.0.1\nLogFile " + dir.resolve("clamd.log") + "\n");
        clamd = new ProcessBuilder("clamd", "--config-file=" + dir.resolve("clamd.conf")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("clamd.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException("clamd did not start: " + Files.readString(dir.resolve("clamd.out")));
    }

    @After
    public void stopClamd() throws Exception {
        if (clamd != null) {
            clamd.destroy();
            clamd.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    public void findsEicarPassesCleanDataAndReusesItsSession() throws Exception {
        startClamd();
        try (Clamd client = new Clamd("127.0.0.1:" + port, 10000, 16, 2)) {
            assertEquals("stream: Eicar-Test-Signature.UNOFFICIAL FOUND", client.instream(new ByteArrayInputStream(EICAR)));
            assertEquals("stream: OK", client.instream(new ByteArrayInputStream("clean".getBytes(StandardCharsets.US_ASCII))));
            // clamd restarts: the pooled session is dead, PING finds out, a new one takes over
            stopClamd();
            startClamd();
            assertEquals("stream: OK", client.instream(new ByteArrayInputStream("clean".getBytes(StandardCharsets.US_ASCII))));
        }
    }

    @Test
    public void withoutClamdTheScanFails() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        try (Clamd client = new Clamd("127.0.0.1:" + port, 2000, 1024, 1)) {
            assertThrows(IOException.class, () -> client.instream(new ByteArrayInputStream(EICAR)));
        }
    }

    @Test
    public void answersBecomeVerdicts() {
        assertEquals(ScanResultDTO.CLEAN, ClamavScanner.verdict("stream: OK").verdict);
        ScanResultDTO infected = ClamavScanner.verdict("stream: Win.Test.EICAR_HDB-1 FOUND");
        assertEquals(ScanResultDTO.INFECTED, infected.verdict);
        assertEquals("Win.Test.EICAR_HDB-1", infected.threat);
        ScanResultDTO failed = ClamavScanner.verdict("INSTREAM size limit exceeded. ERROR");
        assertEquals(ScanResultDTO.FAILED, failed.verdict);
        assertTrue(failed.threat.contains("size limit"));
    }
}
