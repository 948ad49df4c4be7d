package smtp.queue.artemis.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether the embedded broker still has heap for more mail. The broker keeps
 * every message that waits for its next attempt in memory until it is due
 * (about 8 KiB each with its envelope, whatever its size: the content stays on
 * disk), so a long outage of the next hop fills any heap with deferred mail. Mail
 * that arrives once the heap's old generation is this full after a collection
 * is refused with a 4xx, as for a full queue: the senders keep it and try again,
 * and the server stays up; taking it would end the JVM in an
 * {@code OutOfMemoryError}, and start it again with more than fits.
 */
final class HeapGuard {

    /** Share of the old generation in use after a collection from which mail is refused. */
    static final int REFUSE_PERCENT = 80;
    /** While mail is refused, how often the heap is collected to look again. */
    static final long LOOK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Supplier<MemoryUsage> afterCollection;
    private final Runnable collect;
    private final LongSupplier clock;
    private final int refusePercent;
    private final AtomicLong lastLook;

    HeapGuard() {
        this(REFUSE_PERCENT);
    }

    /** @param refusePercent share of the old generation in use after a collection from which mail is refused */
    HeapGuard(int refusePercent) {
        this(refusePercent, tenured(), () -> ManagementFactory.getMemoryMXBean().gc(), System::nanoTime);
    }

    /**
     * @param afterCollection the old generation's use after its last collection, null when the JVM does not say
     * @param collect         collects the heap, so that the next reading is of now
     */
    HeapGuard(int refusePercent, Supplier<MemoryUsage> afterCollection, Runnable collect, LongSupplier clock) {
        this.refusePercent = refusePercent;
        this.afterCollection = afterCollection;
        this.collect = collect;
        this.clock = clock;
        this.lastLook = new AtomicLong(clock.getAsLong() - LOOK_AGAIN_NANOS);
    }

    /** @return the reading of the heap pool that the collector reports after each collection and that can grow the most */
    private static Supplier<MemoryUsage> tenured() {
        MemoryPoolMXBean tenured = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported())
                .max(Comparator.comparingLong(pool -> pool.getUsage().getMax()))
                .orElse(null);
        return tenured == null ? () -> null : tenured::getCollectionUsage;
    }

    /** @return the share of the old generation in use after the last collection, 0 when the JVM does not say */
    int percentInUse() {
        return percent(afterCollection.get());
    }

    static int percent(MemoryUsage afterCollection) {
        if (afterCollection == null || afterCollection.getMax() <= 0) {
            return 0;
        }
        return (int) (100 * afterCollection.getUsed() / afterCollection.getMax());
    }

    /**
     * The old generation is read as the last collection of it left it; with little traffic it may not be collected
     * again for long, so a full reading is checked with a collection of its own, at most every
     * {@link #LOOK_AGAIN_NANOS}: mail is not refused for garbage that nothing collects.
     *
     * @return why no more mail is taken now, or null while there is room
     */
    String problem() {
        int percent = percentInUse();
        if (percent >= refusePercent && lookAgain()) {
            collect.run();
            percent = percentInUse();
        }
        if (percent < refusePercent) {
            return null;
        }
        return "the queue holds as much as the heap can take (" + percent + "% of the old generation in use after "
                + "collection, mostly deferred mail); mail is refused until deliveries make room, or give the JVM a "
                + "larger -Xmx (docs/operations.md, \"JVM settings\")";
    }

    /** @return whether it is time to collect the heap to look again, and this caller does it */
    private boolean lookAgain() {
        long now = clock.getAsLong();
        long last = lastLook.get();
        return now - last >= LOOK_AGAIN_NANOS && lastLook.compareAndSet(last, now);
    }
}
