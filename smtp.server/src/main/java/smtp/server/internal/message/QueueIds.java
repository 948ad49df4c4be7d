package smtp.server.internal.message;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Queue ids for accepted messages. */
final class QueueIds {

    private final AtomicLong counter = new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16));

    /**
     * @return a new queue id: milliseconds, a counter and 40 random bits in base 36, upper case; unique across the
     *         instances that share a queue
     */
    String next() {
        return (Long.toString(System.currentTimeMillis(), 36) + "Q" + Long.toString(counter.incrementAndGet() & 0xffff, 36)
                + Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36)).toUpperCase(Locale.ROOT);
    }
}
