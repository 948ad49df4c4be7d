package smtp.delivery.internal;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue ids for messages handed over without one: time, a counter and 40 random bits, unique across the instances
 * that share a queue.
 */
final class QueueIds {

    private final AtomicLong counter = new AtomicLong();

    String next() {
        long random = ThreadLocalRandom.current().nextLong() >>> 24;
        return (Long.toString(System.currentTimeMillis(), 36) + Long.toString(counter.incrementAndGet() & 0xffff, 36)
                + Long.toString(random, 36)).toUpperCase(Locale.ROOT);
    }
}
