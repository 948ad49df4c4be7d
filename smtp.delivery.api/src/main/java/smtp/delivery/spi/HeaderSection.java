package smtp.delivery.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the header section of a queued message for {@link smtp.delivery.api.QueuedMessageDTO#headers}: the lines up to the
 * first empty line, at most {@link #MAX} bytes of them, as UTF-8 text.
 *
 * @since 1.1
 */
public final class HeaderSection {

    /** The most of a header section kept: {@value} bytes. */
    public static final int MAX = 16 * 1024;

    private HeaderSection() {}

    /**
     * @param content the message, from its first byte; read up to the end of its header section (or {@link #MAX})
     * @return the header section, without the empty line that ends it
     */
    public static String read(InputStream content) throws IOException {
        Collector collector = new Collector();
        byte[] buffer = new byte[4096];
        int n;
        while (!collector.full() && (n = content.read(buffer, 0, buffer.length)) > 0) {
            collector.write(buffer, 0, n);
        }
        return collector.text();
    }

    /**
     * An output stream that keeps a message's header section and discards everything after it, for APIs that
     * write a message out whole.
     */
    public static final class Collector extends OutputStream {

        private byte[] kept = new byte[1024];
        private int length;
        private boolean done;

        /** @return whether the header section is complete (or {@link #MAX} bytes were kept) */
        public boolean full() {
            return done;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int count) {
            for (int i = offset; i < offset + count && !done; i++) {
                if (length == kept.length) {
                    kept = Arrays.copyOf(kept, kept.length * 2);
                }
                kept[length++] = bytes[i];
                done = length >= MAX || ended();
            }
        }

        private boolean ended() {
            byte last = kept[length - 1];
            if (last != '\n') {
                return false;
            }
            if (length == 1 || length >= 2 && kept[length - 2] == '\n') {
                return true;
            }
            return length == 2 && kept[0] == '\r' || length >= 3 && kept[length - 2] == '\r' && kept[length - 3] == '\n';
        }

        /** @return the header section kept so far, without the empty line that ends it */
        public String text() {
            int end = length;
            while (end > 0 && (kept[end - 1] == '\n' || kept[end - 1] == '\r')) {
                end--;
            }
            return new String(kept, 0, end, StandardCharsets.UTF_8);
        }
    }
}
