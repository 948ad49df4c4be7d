package smtp.itest;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;


/**
 * A real DNS server for the tests: dnsmasq (Debian's dnsmasq-base) on a loopback port, answering only what the
 * test gives it, logging every query to a file.
 */
final class Dnsmasq implements AutoCloseable {

    final String address;
    final int port;
    final Path log;
    private final Process process;

    /**
     * A server on a loopback port that is free for both UDP and TCP, as dnsmasq listens on both. Another program
     * can take the port between the choice and dnsmasq's start; then dnsmasq ends at once and a new port is tried,
     * up to five times.
     *
     * @param options dnsmasq options that give the records, such as {@code --host-record=name,127.0.0.2}
     */
    static Dnsmasq onFreePort(Path directory, List<String> options) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return new Dnsmasq(directory, "127.0.0.1", freeUdpAndTcpPort(), options);
            } catch (PortTaken e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** A server on the given loopback address and port (port 53 for programs that read /etc/resolv.conf). */
    Dnsmasq(Path directory, String address, int port, List<String> options) throws Exception {
        Files.createDirectories(directory);
        this.address = address;
        this.port = port;
        this.log = directory.resolve("dnsmasq.log");
        List<String> command = new ArrayList<>(List.of("dnsmasq", "--keep-in-foreground", "--port=" + port,
                "--listen-address=" + address, "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll",
                "--conf-file=/dev/null", "--pid-file=", "--user=" + System.getProperty("user.name"), "--log-queries",
                "--log-facility=" + log));
        command.addAll(options);
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("dnsmasq.out").toFile()).start();
        try {
            SuiteSupport.await("dnsmasq answering on port " + port, () -> answers() ? true : null);
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
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

    /** dnsmasq could not listen on its port: another program had taken it. */
    private static final class PortTaken extends IOException {
        PortTaken(String message) {
            super(message);
        }
    }

    /** @return whether the server answers a query (any answer, NXDOMAIN too) */
    private boolean answers() throws IOException {
        if (!process.isAlive()) {
            String output = Files.readString(log.resolveSibling("dnsmasq.out"));
            throw output.contains("Address already in use") ? new PortTaken("dnsmasq ended: " + output)
                    : new IOException("dnsmasq ended: " + output);
        }
        // a query for probe.invalid A: id 1, recursion desired, one question
        byte[] query = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'p', 'r', 'o', 'b', 'e', 7, 'i', 'n', 'v', 'a', 'l', 'i',
            'd', 0, 0, 1, 0, 1};
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.setSoTimeout(200);
            socket.send(new DatagramPacket(query, query.length, InetAddress.getByName(address), port));
            socket.receive(new DatagramPacket(new byte[512], 512));
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    /** @return how many queries for that name (and type, such as A or TXT) the server was asked */
    long queries(String type, String name) throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        String asked = "query[" + type + "] " + name + " from";
        return Files.readAllLines(log).stream().filter(line -> line.contains(asked)).count();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
