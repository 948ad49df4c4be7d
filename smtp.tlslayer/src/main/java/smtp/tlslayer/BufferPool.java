package smtp.tlslayer;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Byte arrays of one size for the messages being read, within a budget: a message's reader takes one and gives it
 * back when the message is read, so that a busy server does not allocate (and zero) its buffers anew for every
 * message. At most {@code limit} arrays are out at once: when that many messages come in together, the next one is
 * read with a small buffer of its own instead ({@link #take} answers null), so the memory for message buffers stays
 * bounded whatever the number of connections. At most {@code capacity} free arrays wait here for reuse.
 */
public final class BufferPool {

    private final int size;
    private final int limit;
    private final ArrayBlockingQueue<byte[]> free;
    private final AtomicInteger out = new AtomicInteger();

    public BufferPool(int size, int capacity, int limit) {
        this.size = size;
        this.limit = limit;
        this.free = new ArrayBlockingQueue<>(Math.max(1, Math.min(capacity, limit)));
    }

    /** @return how many arrays of this size fit in the given share of the maximum heap, at least 8 */
    public static int limitFor(int size, int heapShareDivisor) {
        return (int) Math.max(8, Runtime.getRuntime().maxMemory() / heapShareDivisor / size);
    }

    /** @return an array of the pool's size, or null when the budget is used up */
    public byte[] take() {
        if (out.incrementAndGet() > limit) {
            out.decrementAndGet();
            return null;
        }
        byte[] buffer = free.poll();
        return buffer != null ? buffer : new byte[size];
    }

    /** Gives back an array {@link #take} handed out; null and arrays of other sizes are ignored. */
    public void give(byte[] buffer) {
        if (buffer != null && buffer.length == size) {
            out.decrementAndGet();
            free.offer(buffer);
        }
    }
}
