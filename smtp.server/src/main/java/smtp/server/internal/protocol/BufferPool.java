package smtp.server.internal.protocol;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Byte arrays of one size, kept for reuse: a message's reader takes one and gives it back when the message is
 * read, so that a busy server does not allocate (and zero) its buffers anew for every message. At most
 * {@code capacity} arrays wait here; more are left to the garbage collector.
 */
public final class BufferPool {

    private final int size;
    private final ArrayBlockingQueue<byte[]> free;

    public BufferPool(int size, int capacity) {
        this.size = size;
        this.free = new ArrayBlockingQueue<>(capacity);
    }

    public byte[] take() {
        byte[] buffer = free.poll();
        return buffer != null ? buffer : new byte[size];
    }

    public void give(byte[] buffer) {
        if (buffer.length == size) {
            free.offer(buffer);
        }
    }
}
