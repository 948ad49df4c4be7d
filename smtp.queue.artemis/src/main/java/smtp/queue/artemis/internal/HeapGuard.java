package smtp.queue.artemis.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Comparator;

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

    private final MemoryPoolMXBean tenured;
    private final int refusePercent;

    HeapGuard() {
        this(REFUSE_PERCENT);
    }

    /** @param refusePercent share of the old generation in use after a collection from which mail is refused */
    HeapGuard(int refusePercent) {
        this.refusePercent = refusePercent;
        // the heap pool that the collector reports after each collection and that can grow the most: the old generation
        this.tenured = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported())
                .max(Comparator.comparingLong(pool -> pool.getUsage().getMax()))
                .orElse(null);
    }

    /** @return the share of the old generation in use after the last collection, 0 when the JVM does not say */
    int percentInUse() {
        if (tenured == null) {
            return 0;
        }
        return percent(tenured.getCollectionUsage());
    }

    static int percent(MemoryUsage afterCollection) {
        if (afterCollection == null || afterCollection.getMax() <= 0) {
            return 0;
        }
        return (int) (100 * afterCollection.getUsed() / afterCollection.getMax());
    }

    /** @return why no more mail is taken now, or null while there is room */
    String problem() {
        int percent = percentInUse();
        if (percent < refusePercent) {
            return null;
        }
        return "the queue holds as much as the heap can take (" + percent + "% of the old generation in use after "
                + "collection, mostly deferred mail); mail is refused until deliveries make room, or give the JVM a "
                + "larger -Xmx (docs/operations.md, \"JVM settings\")";
    }
}
