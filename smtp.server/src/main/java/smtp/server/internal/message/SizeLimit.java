package smtp.server.internal.message;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts the bytes read through it and fails the read that goes past the limit. */
final class SizeLimit extends FilterInputStream {

    static final class ExceededException extends IOException {
        private static final long serialVersionUID = 1L;

        ExceededException(long limit) {
            super("message larger than " + limit + " bytes");
        }
    }

    private final long limit;
    private long count;
    private long endedAt;

    SizeLimit(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    long count() {
        return count;
    }

    /** @return when the end of the message was read ({@link System#nanoTime()}), or 0 while it was not */
    long endedAt() {
        return endedAt;
    }

    boolean exceeded() {
        return count > limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        } else if (endedAt == 0) {
            endedAt = System.nanoTime();
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            counted(n);
        } else if (n < 0 && endedAt == 0) {
            endedAt = System.nanoTime();
        }
        return n;
    }

    private void counted(int n) throws ExceededException {
        count += n;
        if (count > limit) {
            throw new ExceededException(limit);
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
