package smtp.server.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The threads sessions run on: a virtual thread per session where the JVM has
 * them (Java 21 and later; looked up at run time, since the bundle is built for
 * Java 17), else a pool of platform threads that grows and shrinks with the
 * connections.
 */
final class SessionThreads {

    private SessionThreads() {}

    static ExecutorService virtualOrPooled() {
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

    static ExecutorService pooled() {
        return Executors.newCachedThreadPool();
    }
}
