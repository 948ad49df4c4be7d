package smtp.server.internal.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What an AUTH attempt passes before its credentials are checked (the check is
 * a slow password hash, so each one costs the server CPU): a client address
 * that failed before waits out its delay first (the base delay, doubled with
 * each failure, up to a maximum; forgotten after a quiet window); one address
 * has one check at a time; and at most a few checks run at once in all. An
 * attempt that cannot get its turn in time is told to try later, and costs
 * nothing.
 */
public final class AuthGate {

    static final long WINDOW_MILLIS = 15 * 60 * 1000;
    /** Clients remembered at most; quiet ones are forgotten first. */
    static final int MAX_CLIENTS = 10_000;

    /**
     * @param delayMillis the wait before the check after a client's first failure
     * @param maxDelayMillis the longest wait
     * @param maxChecks checks that may run at once in all
     * @param turnMillis how long an attempt may wait for its turn (its address's or one of all) before it is told to
     *        try later
     */
    public record Policy(long delayMillis, long maxDelayMillis, int maxChecks, long turnMillis) {}

    /** How an attempt ended. */
    public enum Outcome { ACCEPTED, REFUSED, BUSY }

    /** The outcome, the name the user is known by when accepted, and the failures of the address so far. */
    public record Result(Outcome outcome, String name, int failures) {}

    private static final class Client {
        final ReentrantLock turn = new ReentrantLock(true);
        volatile int failures;
        volatile long last;
        volatile long notBefore;
    }

    private final Policy policy;
    private final Semaphore checks;
    private final LongSupplier clock;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    public AuthGate(Policy policy, LongSupplier clock) {
        this.policy = policy;
        this.checks = new Semaphore(Math.max(1, policy.maxChecks()), true);
        this.clock = clock;
    }

    /** @return at most half the processors: the rest keep serving mail while passwords are guessed */
    public static int defaultMaxChecks() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * Runs one check for the client address, in its turn.
     *
     * @param check checks the credentials: the user's name, or null when they are wrong
     */
    public Result attempt(String address, Supplier<String> check) throws InterruptedException {
        Client client = client(address);
        if (!client.turn.tryLock(policy.turnMillis() + policy.maxDelayMillis(), TimeUnit.MILLISECONDS)) {
            return new Result(Outcome.BUSY, null, client.failures);
        }
        try {
            long wait = client.notBefore - clock.getAsLong();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            if (!checks.tryAcquire(policy.turnMillis(), TimeUnit.MILLISECONDS)) {
                return new Result(Outcome.BUSY, null, client.failures);
            }
            String name;
            try {
                name = check.get();
            } finally {
                checks.release();
            }
            long now = clock.getAsLong();
            if (name != null) {
                clients.remove(address);
                return new Result(Outcome.ACCEPTED, name, 0);
            }
            int failures = now - client.last > WINDOW_MILLIS ? 1 : client.failures + 1;
            client.failures = failures;
            client.last = now;
            client.notBefore = now + delay(failures);
            return new Result(Outcome.REFUSED, null, failures);
        } finally {
            client.turn.unlock();
        }
    }

    /** @return the wait before the next check of an address with that many failures */
    public long delay(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 30);
        return Math.min(Math.max(policy.delayMillis(), policy.maxDelayMillis()), policy.delayMillis() << doublings);
    }

    private Client client(String address) {
        if (clients.size() >= MAX_CLIENTS) {
            long now = clock.getAsLong();
            clients.values().removeIf(c -> !c.turn.isLocked() && now - c.last > WINDOW_MILLIS);
        }
        return clients.computeIfAbsent(address, a -> {
            Client client = new Client();
            client.last = clock.getAsLong();
            return client;
        });
    }
}
