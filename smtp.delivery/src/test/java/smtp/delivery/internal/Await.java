package smtp.delivery.internal;

import java.util.concurrent.Callable;

/** Waits for something the delivery threads do: 20 s at most, checking every 50 ms. */
final class Await {

    private Await() {}

    /** @return the first non-null value of the check */
    static <T> T until(String what, Callable<T> check) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            T value = check.call();
            if (value != null) {
                return value;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
