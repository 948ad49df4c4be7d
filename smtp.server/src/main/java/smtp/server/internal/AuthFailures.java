package smtp.server.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed AUTH attempts per client address, and the delay before the next 535:
 * the base delay, doubled with each failure, up to a maximum. A client's count
 * is forgotten after a quiet window.
 */
final class AuthFailures {

    static final long WINDOW_MILLIS = 15 * 60 * 1000;

    private record Record(int failures, long last) {}

    private final Map<String, Record> byClient = new ConcurrentHashMap<>();
    private final long baseMillis;
    private final long maxMillis;
    private final LongSupplier clock;

    AuthFailures(long baseMillis, long maxMillis, LongSupplier clock) {
        this.baseMillis = baseMillis;
        this.maxMillis = Math.max(baseMillis, maxMillis);
        this.clock = clock;
    }

    /** Counts a failure and returns how long to wait before answering it. */
    long failed(String client) {
        long now = clock.getAsLong();
        Record record = byClient.compute(client, (key, old) ->
                new Record(old == null || now - old.last > WINDOW_MILLIS ? 1 : old.failures + 1, now));
        if (byClient.size() > 10_000) { // bounded: forget quiet clients
            byClient.values().removeIf(r -> now - r.last > WINDOW_MILLIS);
        }
        int doublings = Math.min(record.failures - 1, 30);
        return Math.min(maxMillis, baseMillis << doublings);
    }

    void succeeded(String client) {
        byClient.remove(client);
    }
}
