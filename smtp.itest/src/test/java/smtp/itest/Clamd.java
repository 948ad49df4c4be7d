package smtp.itest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real clamd (Debian's clamav-daemon) for the tests, on a loopback port and a Unix socket, with a signature
 * database the test writes: the EICAR test file's MD5 (there is no Internet for freshclam).
 */
final class Clamd implements AutoCloseable {

    final int port;
    final Path socket;
    private final Process process;

    Clamd(Path directory, int port) throws Exception {
        Path dir = Files.createDirectories(directory);
        Path database = Files.createDirectories(dir.resolve("db"));
        Files.writeString(database.resolve("test.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n");
        this.port = port;
        this.socket = dir.resolve("clamd.sock");
        Files.writeString(dir.resolve("clamd.conf"), "Foreground yes\nDatabaseDirectory " + database + "\nTCPSocket "
                + port + "\nTCPAddr 127.0.0.1\nLocalSocket " + socket + "\nLogFile " + dir.resolve("clamd.log") + "\n");
        process = new ProcessBuilder("clamd", "--config-file=" + dir.resolve("clamd.conf")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("clamd.out").toFile()).start();
        SuiteSupport.await("clamd listening",
                () -> Files.exists(socket) && SuiteSupport.accepts("127.0.0.1", port) ? true : null);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
