package smtp.delivery.internal;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.storage.Storage;

/**
 * Empty files made ahead in the Maildirs that receive mail, under {@code tmp/ready/}, so that a message written
 * straight into its Maildir before the 250 waits for the disk once instead of twice.
 * <p>
 * The Maildir way makes a file in {@code tmp/}, forces it to disk, renames it into {@code new/} and forces
 * {@code new/}: two waits, one after the other, since the content must be on disk before its name shows in
 * {@code new/}, and that name before the 250. A ready file's name is on disk before any message is written into
 * it: a background thread makes them in batches and forces {@code tmp/ready/} once per batch. A message is written
 * into one, {@linkplain #mark marked} with an extended attribute ({@value #MARKER}: the name it is to have in
 * {@code new/}, its length and its CRC-32C), forced once (content and marker together) and renamed into
 * {@code new/} without forcing that folder. If a crash loses the rename, the marked file is still in
 * {@code tmp/ready/}, and {@link #recover} moves it into {@code new/} at the next start. A marker that the content
 * does not match is what a crash left of a message that never got its 250: recover removes it.
 * <p>
 * On a file system without user extended attributes the Maildir way is taken for every message.
 */
final class ReadyFiles implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ReadyFiles.class);

    /** The folder under a Maildir's {@code tmp/} that holds the ready files. */
    static final String FOLDER = "ready";
    /** The extended attribute (namespace {@code user}) that marks a ready file holding a whole message. */
    static final String MARKER = "smtp.message";
    /** Ready files made at once for a Maildir, and twice the number left when the next batch is made. */
    static final int BATCH = 32;
    /** Ready files held in all Maildirs at most: Maildirs beyond that take the Maildir way. */
    static final int MOST = 4096;

    /**
     * Ready files older than this are not used but removed: the start of another instance sharing the Maildirs may
     * remove unmarked ones a day old.
     */
    static final long FRESH_MILLIS = Maildir.STALE_MILLIS / 2;

    private record Ready(Path file, long madeAt) {}

    /** A Maildir's ready files; counted apart, as a concurrent queue counts its elements by walking them. */
    private static final class Pool {
        private final ConcurrentLinkedQueue<Ready> files = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        final AtomicBoolean filling = new AtomicBoolean();

        void add(Ready ready) {
            files.add(ready);
            size.incrementAndGet();
        }

        Ready poll() {
            Ready ready = files.poll();
            if (ready != null) {
                size.decrementAndGet();
            }
            return ready;
        }

        int size() {
            return size.get();
        }
    }

    private final String prefix = "r" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".";
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Path, Pool> pools = new ConcurrentHashMap<>();
    private final AtomicInteger held = new AtomicInteger();
    private final ExecutorService maker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "smtp-delivery-ready-files");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean supported = true;

    /**
     * Takes a ready file for each Maildir, all or none.
     *
     * @return one file per mailbox, in their order, or null: some Maildir has none ready now (its next batch is on
     *         its way)
     */
    List<Path> take(List<Path> mailboxes) {
        if (!supported) {
            return null;
        }
        List<Ready> taken = new ArrayList<>(mailboxes.size());
        boolean all = true;
        for (Path mailbox : mailboxes) { // asks every Maildir, so that each makes a batch if it has too few
            Ready ready = take(mailbox);
            taken.add(ready);
            all &= ready != null;
        }
        if (all) {
            return taken.stream().map(Ready::file).toList();
        }
        for (int i = 0; i < taken.size(); i++) {
            if (taken.get(i) != null) {
                pools.get(mailboxes.get(i)).add(taken.get(i));
                held.incrementAndGet();
            }
        }
        return null;
    }

    private Ready take(Path mailbox) {
        Pool pool = pools.computeIfAbsent(mailbox, m -> new Pool());
        Ready file = null;
        for (Ready ready; file == null && (ready = pool.poll()) != null; ) {
            held.decrementAndGet();
            if (System.currentTimeMillis() - ready.madeAt() < FRESH_MILLIS) {
                file = ready;
            } else {
                removeAll(List.of(ready.file()));
            }
        }
        if (pool.size() < BATCH / 2 && held.get() + BATCH <= MOST && pool.filling.compareAndSet(false, true)) {
            try {
                maker.execute(() -> fill(mailbox, pool));
            } catch (RejectedExecutionException e) { // closing
                pool.filling.set(false);
            }
        }
        return file;
    }

    /** @return the ready files that the Maildir has now */
    int count(Path mailbox) {
        Pool pool = pools.get(mailbox);
        return pool == null ? 0 : pool.size();
    }

    private void fill(Path mailbox, Pool pool) {
        Path folder = mailbox.resolve("tmp").resolve(FOLDER);
        List<Path> made = new ArrayList<>(BATCH);
        try {
            if (!Files.isDirectory(folder)) {
                Maildir.create(mailbox);
                Files.createDirectories(folder);
                Storage.forceFolder(folder.getParent()); // tmp/ready/ itself
            }
            for (int i = 0; i < BATCH; i++) {
                Path file = folder.resolve(prefix + sequence.incrementAndGet());
                Files.newByteChannel(file, CREATE_NEW, WRITE).close();
                made.add(file);
            }
            if (!marks(made.get(0))) {
                supported = false;
                LOG.info("{}: no user extended attributes on this file system; messages take the Maildir way "
                        + "(two forces to disk each instead of one)", folder);
                removeAll(made);
                return;
            }
            Storage.forceFolder(folder);
            long now = System.currentTimeMillis();
            made.forEach(file -> pool.add(new Ready(file, now)));
            held.addAndGet(made.size());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot make ready files in {}: messages for it take the Maildir way meanwhile", folder, e);
            removeAll(made);
        } finally {
            pool.filling.set(false);
        }
    }

    /** @return whether the file system takes the marker (tried on an empty ready file, and taken off again) */
    private static boolean marks(Path file) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        if (view == null) {
            return false;
        }
        try {
            view.write(MARKER, ByteBuffer.allocate(0));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
        view.delete(MARKER);
        return true;
    }

    /** Removes the ready files not taken; messages being written into taken ones go on. */
    @Override
    public void close() {
        maker.shutdown(); // a batch being made is finished, then removed below
        try {
            if (!maker.awaitTermination(10, TimeUnit.SECONDS)) { // a batch takes milliseconds
                LOG.warn("Ready files still being made after 10 s; left for the next start to remove after a day");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Pool pool : pools.values()) {
            List<Path> left = new ArrayList<>();
            for (Ready ready; (ready = pool.poll()) != null; ) {
                left.add(ready.file());
            }
            removeAll(left);
        }
    }

    private static void removeAll(List<Path> files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("Cannot remove the ready file {}: the next start removes it after a day", file, e);
            }
        }
    }

    /**
     * Marks a ready file as holding the whole message: call once it is written, before forcing it.
     *
     * @param name the message's name in {@code new/}
     */
    static void mark(Path file, String name, long length, long crc) throws IOException {
        String marker = name + " " + length + " " + Long.toHexString(crc);
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                .write(MARKER, ByteBuffer.wrap(marker.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * Renames a marked ready file, forced to disk, into {@code new/}, without forcing {@code new/}: {@link #recover}
     * finishes what a crash interrupts. Another instance's recover may have moved it there already.
     */
    static void commit(Path mailbox, Path file, String name) throws IOException {
        Path delivered = mailbox.resolve("new").resolve(name);
        try {
            Files.move(file, delivered, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            if (Files.exists(delivered)) {
                return; // moved by the recover of an instance that started meanwhile
            }
            Maildir.create(mailbox); // new/ removed by hand
            Files.move(file, delivered, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** What {@link #recover} did. */
    record Recovered(int moved, int removed) {}

    /**
     * Finishes what a crash interrupted in the {@code tmp/ready/} folders of the Maildirs under the root
     * ({@code <root>/<domain>/<local part>/}): moves every marked file whose content matches its marker into
     * {@code new/} under the name it carries (then forces {@code new/}), and removes marked files that do not match
     * (a message cut off before its 250) and unmarked ones last written more than a day ago (made ahead by an
     * instance that ended; those of running instances are younger).
     */
    static Recovered recover(Path root, long now) throws IOException {
        int moved = 0;
        int removed = 0;
        for (Path mailbox : Maildir.mailboxes(root)) {
            Path folder = mailbox.resolve("tmp").resolve(FOLDER);
            if (!Files.isDirectory(folder)) {
                continue;
            }
            boolean movedHere = false;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, Files::isRegularFile)) {
                for (Path file : files) {
                    try {
                        switch (recover(mailbox, file, now)) {
                            case MOVED -> {
                                moved++;
                                movedHere = true;
                            }
                            case REMOVED -> removed++;
                            case LEFT -> { }
                        }
                    } catch (NoSuchFileException e) {
                        // renamed into new/ by its writer, or removed, since the folder was read
                    }
                }
            }
            if (movedHere) {
                Storage.forceFolder(mailbox.resolve("new"));
            }
        }
        return new Recovered(moved, removed);
    }

    private enum Outcome { MOVED, REMOVED, LEFT }

    private static Outcome recover(Path mailbox, Path file, long now) throws IOException {
        String marker = marker(file);
        if (marker == null || marker.isEmpty()) { // empty: the probe of a batch that a kill interrupted
            boolean stale = now - Files.getLastModifiedTime(file).toMillis() > Maildir.STALE_MILLIS;
            return stale && Files.deleteIfExists(file) ? Outcome.REMOVED : Outcome.LEFT;
        }
        if (!whole(file, marker)) {
            LOG.info("{}: marked '{}', but its {} bytes do not match: a message cut off before its 250, removed",
                    file, marker, Files.size(file));
            return Files.deleteIfExists(file) ? Outcome.REMOVED : Outcome.LEFT;
        }
        Path delivered = mailbox.resolve("new").resolve(marker.substring(0, marker.indexOf(' ')));
        if (Files.exists(delivered)) {
            Files.deleteIfExists(file); // both names survived a crash: the message is in new/ already
        } else {
            Maildir.create(mailbox);
            Files.move(file, delivered, StandardCopyOption.ATOMIC_MOVE);
        }
        return Outcome.MOVED;
    }

    /** @return the file's marker, or null if it has none */
    static String marker(Path file) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        if (view == null || !view.list().contains(MARKER)) {
            return null;
        }
        ByteBuffer value = ByteBuffer.allocate(view.size(MARKER));
        view.read(MARKER, value);
        return new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII);
    }

    /** @return whether the file's length and CRC-32C are those its marker names */
    private static boolean whole(Path file, String marker) throws IOException {
        String[] parts = marker.split(" ");
        if (parts.length != 3 || parts[0].isEmpty() || parts[0].contains("/") || parts[0].startsWith(".")) {
            return false;
        }
        long length;
        long expected;
        try {
            length = Long.parseLong(parts[1]);
            expected = Long.parseLong(parts[2], 16);
        } catch (NumberFormatException e) {
            return false;
        }
        CRC32C crc = new CRC32C();
        try (FileChannel in = FileChannel.open(file, READ)) {
            if (in.size() != length) {
                return false;
            }
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (in.read(buffer.clear()) > 0) {
                crc.update(buffer.flip());
            }
        }
        return crc.getValue() == expected;
    }
}
