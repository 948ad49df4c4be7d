package smtp.policy.greylist.internal;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The greylisting state: every (network, sender, recipient) triplet seen, when
 * it was first seen and whether it passed, and the networks that pass without
 * delay. Kept in memory, saved to a file as lines of tab-separated fields.
 */
final class Triplets {

    /** What was decided about one triplet. */
    enum Decision {
        /** The triplet, or its network, passed before: it goes on. */
        PASSED,
        /** The triplet passed now: it was retried after the delay. */
        PASSED_NOW,
        /** New, or retried too early: deferred. */
        DEFERRED
    }

    /** The timing of greylisting, in milliseconds. */
    record Timing(long delay, long retryWindow, long passedLifetime, int autoPassAfter) {}

    private static final class Triplet {
        final long first;
        volatile long passed;
        volatile long last;

        Triplet(long first, long passed, long last) {
            this.first = first;
            this.passed = passed;
            this.last = last;
        }
    }

    private static final class Network {
        volatile int passes;
        volatile long last;

        Network(int passes, long last) {
            this.passes = passes;
            this.last = last;
        }
    }

    private final Map<String, Triplet> triplets = new ConcurrentHashMap<>();
    private final Map<String, Network> networks = new ConcurrentHashMap<>();
    private volatile boolean changed;

    /**
     * @return what happens to this attempt; {@code waited} (for PASSED_NOW the seconds the triplet waited, for
     *         DEFERRED the seconds left) goes in {@code seconds[0]}
     */
    Decision check(String network, String sender, String recipient, Timing timing, long now, long[] seconds) {
        Network known = networks.get(network);
        if (known != null && timing.autoPassAfter() > 0 && known.passes >= timing.autoPassAfter()
                && now - known.last < timing.passedLifetime()) {
            known.last = now;
            changed = true;
            return Decision.PASSED;
        }
        String key = network + '\t' + sender + '\t' + recipient;
        Triplet triplet = triplets.compute(key, (k, seen) -> seen == null
                || seen.passed == 0 && now - seen.first > timing.retryWindow()
                || seen.passed != 0 && now - seen.last > timing.passedLifetime() ? new Triplet(now, 0, now) : seen);
        changed = true;
        synchronized (triplet) {
            triplet.last = now;
            if (triplet.passed != 0) {
                return Decision.PASSED;
            }
            long waited = now - triplet.first;
            if (waited < timing.delay()) {
                seconds[0] = Math.max(1, (timing.delay() - waited + 999) / 1000);
                return Decision.DEFERRED;
            }
            triplet.passed = now;
            seconds[0] = waited / 1000;
        }
        networks.compute(network, (k, seen) -> {
            Network counted = seen == null || now - seen.last > timing.passedLifetime() ? new Network(0, now) : seen;
            counted.passes++;
            counted.last = now;
            return counted;
        });
        return Decision.PASSED_NOW;
    }

    /** Forgets what has expired. */
    void expire(Timing timing, long now) {
        triplets.values().removeIf(triplet -> triplet.passed == 0 ? now - triplet.first > timing.retryWindow()
                : now - triplet.last > timing.passedLifetime());
        networks.values().removeIf(network -> now - network.last > timing.passedLifetime());
    }

    int size() {
        return triplets.size();
    }

    /** @return whether anything changed since the last save */
    boolean changed() {
        return changed;
    }

    /** Writes the state to the file, atomically (a new file moved over the old). */
    void save(Path file) throws IOException {
        changed = false; // before writing: a change made while it writes is saved next time
        try {
            write(file);
        } catch (IOException | RuntimeException e) {
            changed = true;
            throw e;
        }
    }

    private void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path written = file.resolveSibling(file.getFileName() + ".new");
        try (BufferedWriter out = Files.newBufferedWriter(written, StandardCharsets.UTF_8)) {
            out.write("# greylisting state: T network sender recipient first passed last | N network passes last\n");
            for (Map.Entry<String, Triplet> entry : triplets.entrySet()) {
                Triplet triplet = entry.getValue();
                out.write("T\t" + entry.getKey() + '\t' + triplet.first + '\t' + triplet.passed + '\t' + triplet.last + '\n');
            }
            for (Map.Entry<String, Network> entry : networks.entrySet()) {
                out.write("N\t" + entry.getKey() + '\t' + entry.getValue().passes + '\t' + entry.getValue().last + '\n');
            }
        }
        Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the state a {@link #save} wrote; lines that cannot be read are skipped.
     *
     * @return how many lines were skipped
     */
    int load(Path file) throws IOException {
        int skipped = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] fields = line.split("\t", -1);
                try {
                    if (fields[0].equals("T") && fields.length == 7) {
                        triplets.put(fields[1] + '\t' + fields[2] + '\t' + fields[3], new Triplet(Long.parseLong(fields[4]),
                                Long.parseLong(fields[5]), Long.parseLong(fields[6])));
                    } else if (fields[0].equals("N") && fields.length == 4) {
                        networks.put(fields[1], new Network(Integer.parseInt(fields[2]), Long.parseLong(fields[3])));
                    } else {
                        skipped++;
                    }
                } catch (NumberFormatException e) {
                    skipped++;
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        }
        return skipped;
    }
}
