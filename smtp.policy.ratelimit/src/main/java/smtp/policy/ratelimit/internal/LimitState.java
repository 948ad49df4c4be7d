package smtp.policy.ratelimit.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters of one limit: for a rate, a bucket per key that holds up to the
 * maximum and refills evenly over the period; for a concurrency, the sessions
 * that hold each key. Kept apart from the limit's configuration, so that they
 * survive its changes.
 */
final class LimitState {

    /** Above this many keys, buckets that have refilled (idle keys) are dropped. */
    static final int SWEEP_ABOVE = 50_000;

    private static final class Bucket {
        double tokens;
        long last;

        Bucket(double tokens, long last) {
            this.tokens = tokens;
            this.last = last;
        }
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, Integer> holders = new ConcurrentHashMap<>();
    /** The key each session holds. */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep = new AtomicLong();

    /**
     * Takes one event of a rate.
     *
     * @return false when the key has no allowance left (nothing is taken then)
     */
    boolean take(String key, int max, long periodMillis, long now) {
        if (buckets.size() > SWEEP_ABOVE) {
            sweep(periodMillis, now);
        }
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(max, now));
        synchronized (bucket) {
            long elapsed = Math.max(0, now - bucket.last);
            bucket.tokens = Math.min(max, bucket.tokens + (double) elapsed * max / periodMillis);
            bucket.last = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return true;
            }
            return false;
        }
    }

    /**
     * A session takes the key of a concurrency limit; once per session.
     *
     * @return false when the key has its maximum of sessions already
     */
    boolean enter(String key, String sessionId, int max) {
        if (held.containsKey(sessionId)) {
            return true;
        }
        boolean[] entered = {false};
        holders.compute(key, (k, count) -> {
            int now = count == null ? 0 : count;
            if (now >= max) {
                return count;
            }
            entered[0] = true;
            return now + 1;
        });
        if (entered[0]) {
            held.put(sessionId, key);
        }
        return entered[0];
    }

    /** The session ended: the key it held is given back. */
    void leave(String sessionId) {
        String key = held.remove(sessionId);
        if (key != null) {
            holders.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
        }
    }

    /** @return how many sessions hold the key now */
    int holding(String key) {
        Integer count = holders.get(key);
        return count == null ? 0 : count;
    }

    int keys() {
        return buckets.size();
    }

    /** Drops the buckets that are full again (at most once a second): their keys have been idle for a period. */
    private void sweep(long periodMillis, long now) {
        long last = lastSweep.get();
        if (now - last < 1000 || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        buckets.entrySet().removeIf(entry -> now - entry.getValue().last >= periodMillis);
    }
}
