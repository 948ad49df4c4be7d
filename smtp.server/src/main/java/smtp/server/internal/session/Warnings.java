package smtp.server.internal.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;

/**
 * Warnings that any client can cause, rate-limited per kind: at most
 * {@value #PER_MINUTE} a minute each; the next one after a quiet spell says how
 * many were left out. A flood of hostile sessions cannot flood the log.
 */
public final class Warnings {

    static final int PER_MINUTE = 10;

    private static final class Window {
        long start;
        int logged;
        int suppressed;
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** Logs the warning at WARN, unless {@value #PER_MINUTE} of this kind went out within the last minute. */
    public void warn(Logger log, String kind, String format, Object... arguments) {
        int suppressed;
        Window window = windows.computeIfAbsent(kind, k -> new Window());
        synchronized (window) {
            long now = System.nanoTime();
            if (now - window.start > TimeUnit.MINUTES.toNanos(1)) {
                window.start = now;
                window.logged = 0;
            }
            if (window.logged >= PER_MINUTE) {
                window.suppressed++;
                return;
            }
            window.logged++;
            suppressed = window.suppressed;
            window.suppressed = 0;
        }
        log.warn(format, arguments);
        if (suppressed > 0) {
            log.warn("({} more warnings like the one above were left out of the log in the last minute)", suppressed);
        }
    }
}
