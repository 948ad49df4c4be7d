package smtp.fleet;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the fleet tests share: ports, waiting, and the check that what was acknowledged arrived whole and once. */
final class Fleet {

    private Fleet() {}

    /** @return as many ports free on 127.0.0.1, all different: each is held open until all are chosen */
    static int[] freePorts(int count) throws IOException {
        ServerSocket[] held = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                held[i] = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                ports[i] = held[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    /** Kills the process (one this test started) if the test's JVM ends before the test could stop it. */
    static void endWithTheTest(Process process) {
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    }

    static <T> T await(String what, long seconds, Callable<T> check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            T value = check.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** The messages in a Maildir's new/ and cur/, by file name. */
    static Map<String, byte[]> maildir(Path mailbox) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        for (String folder : new String[] {"new", "cur"}) {
            Path dir = mailbox.resolve(folder);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    for (Path file : list.toList()) {
                        files.put(file.getFileName().toString(), Files.readAllBytes(file));
                    }
                }
            }
        }
        return files;
    }

    /**
     * Checks stored messages against what the mailer sent: each acknowledged message is there exactly once, each
     * stored message ends with every byte that was sent of it (nothing half-stored), and nothing is stored twice.
     *
     * @return how many of the stored messages were never acknowledged (the client was cut off before its 250)
     */
    static int assertEveryAcknowledgedMessageOnceAndWhole(Mailer mailer, List<byte[]> stored) {
        Map<Integer, Integer> copies = new HashMap<>();
        for (byte[] message : stored) {
            String text = new String(message, StandardCharsets.US_ASCII);
            int number = mailer.numberOf(text);
            assertTrue("a stored message the mailer did not send: " + text, number > 0 && mailer.sent.containsKey(number));
            byte[] sent = mailer.sent.get(number);
            assertTrue("message " + number + " stored whole", message.length >= sent.length
                    && Arrays.equals(sent, Arrays.copyOfRange(message, message.length - sent.length, message.length)));
            copies.merge(number, 1, Integer::sum);
        }
        List<Integer> twice = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertEquals("messages stored more than once", List.of(), twice);
        List<Integer> missing = new ArrayList<>();
        for (Integer number : mailer.acknowledged.keySet()) {
            if (!copies.containsKey(number)) {
                missing.add(number);
            }
        }
        assertEquals("acknowledged (250) but not stored", List.of(), missing);
        return (int) copies.keySet().stream().filter(number -> !mailer.acknowledged.containsKey(number)).count();
    }
}
