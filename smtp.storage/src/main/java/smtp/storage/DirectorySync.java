package smtp.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Forces a directory's entries to disk for many threads at once (group
 * commit). A thread that has created, renamed or removed an entry asks for a
 * sync; a sync that starts after the request covers it. While one sync runs, the
 * requests that arrive wait for the next, which then serves all of them with a
 * single fsync.
 */
public final class DirectorySync {

    /** The syncs of one owner (a delivery service, a spool), one per directory. */
    public static final class Directories {
        private final Map<Path, DirectorySync> syncs = new ConcurrentHashMap<>();

        /** Forces the directory's entries, as they are at this call, to disk. */
        public void force(Path directory) throws IOException {
            syncs.computeIfAbsent(directory.toAbsolutePath().normalize(), DirectorySync::new).sync();
        }
    }

    private final Path directory;
    private long requested;
    private long done;
    private boolean running;

    private DirectorySync(Path directory) {
        this.directory = directory;
    }

    private void sync() throws IOException {
        long covers;
        synchronized (this) {
            long ticket = ++requested;
            while (true) {
                if (done >= ticket) {
                    return; // a sync that started after this request has finished
                }
                if (!running) {
                    running = true;
                    covers = requested;
                    break;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while forcing " + directory + " to disk", e);
                }
            }
        }
        boolean synced = false;
        try {
            Storage.forceFolder(directory);
            synced = true;
        } finally {
            synchronized (this) {
                running = false;
                if (synced) {
                    done = Math.max(done, covers);
                }
                notifyAll();
            }
        }
    }
}
