package smtp.server.internal.protocol;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends the reads of connections that waited past their deadline. A read with a
 * socket timeout costs three system calls on the JDK's sockets (a read that
 * finds nothing, a poll, the read again); a plain blocking read costs one. So
 * connections read without a timeout (under TLS too: its records are read the
 * same way), and one timer looks at all of them a few times a second, shutting
 * the input of any that waits too long: its session then answers with its
 * timeout reply.
 */
public final class ReadTimeouts {

    /** How often the timer looks: a timeout ends at most this late. */
    static final long PERIOD_MILLIS = 200;

    private final Set<Connection> watched = ConcurrentHashMap.newKeySet();

    /** @param timer runs the look until it is shut down */
    public ReadTimeouts(ScheduledExecutorService timer) {
        timer.scheduleWithFixedDelay(this::expire, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    void watch(Connection connection) {
        watched.add(connection);
    }

    void unwatch(Connection connection) {
        watched.remove(connection);
    }

    private void expire() {
        long now = System.nanoTime();
        for (Connection connection : watched) {
            connection.expireIfOverdue(now);
        }
    }
}
