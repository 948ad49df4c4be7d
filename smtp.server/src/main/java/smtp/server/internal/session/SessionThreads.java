package smtp.server.internal.session;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads sessions run on: a virtual thread per session where the JVM has
 * them (Java 21 and later; looked up at run time, since the bundle is built for
 * Java 17), else a pool of platform threads that grows and shrinks with the
 * connections.
 */
public final class SessionThreads {

    static final int KEEP_ALIVE_SECONDS = 10;

    private SessionThreads() {}

    public static ExecutorService virtualOrPooled() {
        try {
            return (ExecutorService) MethodHandles.publicLookup()
                    .findStatic(Executors.class, "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class))
                    .invoke();
        } catch (NoSuchMethodException | IllegalAccessException noVirtualThreads) {
            return pooled();
        } catch (Throwable e) {
            throw new IllegalStateException("cannot make the virtual thread executor", e);
        }
    }

    /** Platform threads, made as sessions need them; a thread idle for {@value #KEEP_ALIVE_SECONDS} s ends. */
    public static ExecutorService pooled() {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread thread = new Thread(r, "smtp-session-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }
}
