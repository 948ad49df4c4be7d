package smtp.delivery.internal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Idle SMTP connections to other servers, kept for the next message to the
 * same server (as Postfix's connection cache does): a connection whose
 * transaction ended cleanly waits here up to {@code idleMillis}, and serves at
 * most {@code maxAgeMillis} in all. A timer closes those that waited too long.
 */
final class Connections implements AutoCloseable {

    /** What a cached connection is good for: the same server, reached the same way. */
    /** A destination and how its connection is secured: TLS or not, and whether its certificate was checked. */
    record Key(Routes.Hop hop, boolean tls, boolean verified) {}

    private record Idle(RelayClient client, long since) {}

    private final long idleNanos;
    private final long maxAgeNanos;
    private final Map<Key, Deque<Idle>> idle = new HashMap<>();
    private final ScheduledExecutorService timer;
    private boolean closed;

    Connections(long idleMillis, long maxAgeMillis) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.maxAgeNanos = TimeUnit.MILLISECONDS.toNanos(maxAgeMillis);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "smtp-delivery-connections");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(100, idleMillis / 2);
        timer.scheduleWithFixedDelay(this::closeExpired, period, period, TimeUnit.MILLISECONDS);
    }

    /** @return the most recently used idle connection for the key, or null */
    synchronized RelayClient take(Key key) {
        Deque<Idle> waiting = idle.get(key);
        long now = System.nanoTime();
        while (waiting != null && !waiting.isEmpty()) {
            Idle candidate = waiting.pollFirst();
            if (now - candidate.since() < idleNanos && candidate.client().reusable(maxAgeNanos)) {
                return candidate.client();
            }
            closeQuietly(candidate.client());
        }
        return null;
    }

    /** Keeps a connection for the next message, or closes it when it cannot serve another. */
    void release(Key key, RelayClient client) {
        synchronized (this) {
            if (!closed && idleNanos > 0 && client.reusable(maxAgeNanos)) {
                idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addFirst(new Idle(client, System.nanoTime()));
                return;
            }
        }
        client.quit();
        closeQuietly(client);
    }

    private void closeExpired() {
        long now = System.nanoTime();
        Deque<RelayClient> expired = new ArrayDeque<>();
        synchronized (this) {
            for (Iterator<Deque<Idle>> lists = idle.values().iterator(); lists.hasNext(); ) {
                Deque<Idle> waiting = lists.next();
                waiting.removeIf(entry -> {
                    if (now - entry.since() >= idleNanos) {
                        expired.add(entry.client());
                        return true;
                    }
                    return false;
                });
                if (waiting.isEmpty()) {
                    lists.remove();
                }
            }
        }
        expired.forEach(client -> {
            client.quit();
            closeQuietly(client);
        });
    }

    @Override
    public void close() {
        Deque<RelayClient> all = new ArrayDeque<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(waiting -> waiting.forEach(entry -> all.add(entry.client())));
            idle.clear();
        }
        timer.shutdownNow();
        all.forEach(client -> {
            client.quit();
            closeQuietly(client);
        });
    }

    private static void closeQuietly(RelayClient client) {
        try {
            client.close();
        } catch (IOException e) {
            // closing a connection that failed already
        }
    }
}
