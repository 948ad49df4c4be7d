package smtp.delivery.internal;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A dnsmasq on a loopback port that answers only the records a test gives it (Debian package dnsmasq-base). */
final class Dnsmasq implements AutoCloseable {

    private final Process process;
    private final int port;

    /** @param records dnsmasq options such as {@code --mx-host=...} and {@code --host-record=...} */
    Dnsmasq(File log, String... records) throws Exception {
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv",
                "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + port, "--local=/test/",
                "--user=root"));
        command.addAll(List.of(records));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!java.nio.file.Files.readString(log.toPath()).contains("started") && System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dnsmasq stopped: " + java.nio.file.Files.readString(log.toPath()));
            }
            Thread.sleep(20);
        }
    }

    /** host:port to give as the DNS resolver. */
    String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
