package smtp.delivery.internal;

import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A dnsmasq on a loopback port that answers only the records a test gives it (Debian package dnsmasq-base). */
final class Dnsmasq implements AutoCloseable {

    private final Process process;
    private final int port;

    /**
     * Starts dnsmasq on a port that is free for both UDP and TCP. Another program can take the port between the
     * choice and dnsmasq's start; then dnsmasq ends at once and a new port is tried, up to five times.
     *
     * @param records dnsmasq options such as {@code --mx-host=...} and {@code --host-record=...}
     */
    Dnsmasq(File log, String... records) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int candidate = freeUdpAndTcpPort();
            List<String> command = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                    "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1",
                    "--port=" + candidate, "--local=/test/", "--user=root"));
            command.addAll(List.of(records));
            Process started = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
            String output = awaitStarted(started, log);
            if (output == null) {
                port = candidate;
                process = started;
                return;
            }
            if (!output.contains("Address already in use") || attempt == 5) {
                throw new IOException("dnsmasq stopped: " + output);
            }
        }
    }

    /** @return null once dnsmasq says it started, or what it printed if it ended first */
    private static String awaitStarted(Process started, File log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(log.toPath()).contains("started")) {
            if (!started.isAlive()) {
                started.waitFor();
                return Files.readString(log.toPath());
            }
            if (System.nanoTime() > deadline) {
                started.destroyForcibly();
                throw new IOException("dnsmasq did not start within 10 s: " + Files.readString(log.toPath()));
            }
            Thread.sleep(20);
        }
        return null;
    }

    /** A loopback port on which nothing listens, by UDP or by TCP, at the time of the call. */
    private static int freeUdpAndTcpPort() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        for (int attempt = 1; ; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
                    ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, loopback)) {
                return tcp.getLocalPort();
            } catch (BindException e) {
                if (attempt == 20) {
                    throw e;
                }
            }
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
