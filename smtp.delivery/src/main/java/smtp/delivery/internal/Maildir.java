package smtp.delivery.internal;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import smtp.delivery.spi.MessageContent;
import smtp.storage.DirectorySync;
import smtp.storage.Storage;

/**
 * Delivery into one Maildir: the message is written under {@code tmp/}, forced
 * to disk and renamed into {@code new/}, so a reader never sees half a message.
 * File names are {@code <seconds>.<queue id>}, from the message alone: unique
 * per mailbox (queue ids are unique across the instances that share a queue),
 * and the same again when a delivery is repeated after a crash, by this
 * instance or another, so that {@link #contains} can tell it already happened.
 */
final class Maildir {

    private Maildir() {}

    static void create(Path mailbox) throws IOException {
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            Files.createDirectories(mailbox.resolve(sub));
        }
    }

    /** Files in a Maildir's {@code tmp/} older than this are debris of a writer that died (Maildir readers agree). */
    static final long STALE_MILLIS = 24 * 3_600_000L;

    /**
     * Removes what writers that died (a crash, {@code kill -9}) left in the {@code tmp/} folders of the mailboxes
     * under the root ({@code <root>/<domain>/<local part>/tmp/}): files last written more than a day ago.
     *
     * @return how many files were removed
     */
    static int removeStale(Path root, long now) throws IOException {
        int removed = 0;
        for (Path mailbox : mailboxes(root)) {
            removed += removeStaleIn(mailbox.resolve("tmp"), now);
        }
        return removed;
    }

    /** @return the folders of the mailboxes under the root: {@code <root>/<domain>/<local part>/} */
    static List<Path> mailboxes(Path root) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (DirectoryStream<Path> domains = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path domain : domains) {
                try (DirectoryStream<Path> mailboxes = Files.newDirectoryStream(domain, Files::isDirectory)) {
                    mailboxes.forEach(found::add);
                }
            }
        }
        return found;
    }

    private static int removeStaleIn(Path tmp, long now) throws IOException {
        if (!Files.isDirectory(tmp)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp, Files::isRegularFile)) {
            for (Path file : files) {
                if (now - Files.getLastModifiedTime(file).toMillis() > STALE_MILLIS && Files.deleteIfExists(file)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    static String fileName(long receivedAt, String queueId) {
        return (receivedAt / 1000) + "." + queueId;
    }

    /**
     * @param everywhere also look for the message read and flagged in {@code cur/} under any flags (a directory
     *        scan), not only unflagged ({@code <name>:2,})
     * @return true if a message of this name is in new/ or, read, in cur/
     */
    static boolean contains(Path mailbox, String name, boolean everywhere) throws IOException {
        if (Files.exists(mailbox.resolve("new").resolve(name))) {
            return true;
        }
        Path cur = mailbox.resolve("cur");
        if (!everywhere) {
            return Files.exists(cur.resolve(name + ":2,"));
        }
        if (!Files.isDirectory(cur)) {
            return false;
        }
        try (DirectoryStream<Path> read = Files.newDirectoryStream(cur, name + "*")) {
            for (Path file : read) {
                String found = file.getFileName().toString();
                if (found.equals(name) || found.startsWith(name + ":")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A local recipient and its Maildir. */
    record Target(String recipient, Path mailbox) {}

    /**
     * Delivers a queued message, preceded by its Return-Path and Delivered-To
     * header lines.
     */
    static void deliver(Path mailbox, String name, MessageContent message, String reversePath, String recipient,
            DirectorySync.Directories directories) throws IOException {
        Path staged = mailbox.resolve("tmp").resolve(name);
        try (FileChannel out = createStaged(mailbox, staged); InputStream content = message.open()) {
            write(out, trace(reversePath, recipient));
            content.transferTo(Channels.newOutputStream(out)); // content in memory: one write
            out.force(true);
        } catch (IOException e) {
            Storage.removeAfterFailure(e, staged);
            throw e;
        }
        commit(mailbox, staged, name, directories);
    }

    /**
     * Delivers a message as it arrives into the Maildirs of its local
     * recipients, each copy preceded by its Return-Path and Delivered-To header
     * lines. The content is written once, into the first mailbox, and copied
     * from there into the others; every copy is forced to disk before the first
     * is renamed into {@code new/}.
     * <p>
     * When every Maildir has a {@linkplain ReadyFiles ready file}, the copies are
     * written into those, marked, forced, and renamed into {@code new/}; otherwise
     * they are made in {@code tmp/}, and the {@code new/} folders are forced after
     * the renames. Either way the message is on disk, whole, when this returns.
     *
     * @param targets the recipients, one per Maildir
     * @param ready the ready files, or null to take the Maildir way
     * @throws IOException if reading the content failed; nothing is delivered
     * @throws UncheckedIOException if writing a Maildir failed; nothing is delivered, unless renaming a
     *         later copy into {@code new/} failed after an earlier one was renamed
     */
    static void deliver(List<Target> targets, String name, String reversePath, InputStream content,
            DirectorySync.Directories directories, ReadyFiles ready) throws IOException {
        List<Path> readyFiles = ready == null ? null : ready.take(targets.stream().map(Target::mailbox).toList());
        boolean marked = readyFiles != null;
        List<Path> staged = new ArrayList<>(targets.size());
        try {
            Path first = marked ? readyFiles.get(0) : targets.get(0).mailbox().resolve("tmp").resolve(name);
            byte[] firstTrace = trace(reversePath, targets.get(0).recipient());
            CRC32C crc = new CRC32C();
            long length = 0;
            try (FileChannel out = Storage.writing(() -> open(targets.get(0).mailbox(), first, marked))) {
                staged.add(first);
                // the trace lines and the start of the content in one write: a small message is one write
                byte[] buffer = new byte[Math.max(16 * 1024, firstTrace.length * 2)];
                System.arraycopy(firstTrace, 0, buffer, 0, firstTrace.length);
                int filled = firstTrace.length;
                for (int n; (n = content.read(buffer, filled, buffer.length - filled)) >= 0; ) {
                    filled += n;
                    if (filled == buffer.length) {
                        flushBuffer(out, buffer, filled, crc);
                        length += filled;
                        filled = 0;
                    }
                }
                flushBuffer(out, buffer, filled, crc);
                length += filled;
                long written = length;
                Storage.writing(() -> {
                    if (marked) {
                        ReadyFiles.mark(first, name, written, crc.getValue());
                    }
                    out.force(true);
                    return null;
                });
            }
            for (int i = 1; i < targets.size(); i++) {
                Target target = targets.get(i);
                Path copy = marked ? readyFiles.get(i) : target.mailbox().resolve("tmp").resolve(name);
                Storage.writing(() -> {
                    try (FileChannel out = open(target.mailbox(), copy, marked)) {
                        staged.add(copy);
                        byte[] trace = trace(reversePath, target.recipient());
                        write(out, trace);
                        CRC32C copied = new CRC32C();
                        copied.update(trace);
                        long size = trace.length + copy(first, firstTrace.length, out, copied);
                        if (marked) {
                            ReadyFiles.mark(copy, name, size, copied.getValue());
                        }
                        out.force(true);
                    }
                    return null;
                });
            }
            for (int i = 0; i < targets.size(); i++) {
                Path mailbox = targets.get(i).mailbox();
                Path file = staged.get(i);
                Storage.writing(() -> {
                    if (marked) {
                        ReadyFiles.commit(mailbox, file, name);
                    } else {
                        commit(mailbox, file, name, directories);
                    }
                    return null;
                });
            }
        } catch (IOException | RuntimeException e) {
            // those renamed into new/ are no longer here; ready files not written yet are removed too
            Storage.removeAfterFailure(e, (marked ? readyFiles : staged).toArray(Path[]::new));
            throw e;
        }
    }

    private static void flushBuffer(FileChannel out, byte[] buffer, int length, CRC32C crc) {
        if (length > 0) {
            crc.update(buffer, 0, length);
            Storage.writing(() -> { write(out, ByteBuffer.wrap(buffer, 0, length)); return null; });
        }
    }

    /** Opens a ready file, or creates the file under {@code tmp/}, for a copy of a message. */
    private static FileChannel open(Path mailbox, Path staged, boolean ready) throws IOException {
        return ready ? FileChannel.open(staged, WRITE) : createStaged(mailbox, staged);
    }

    /**
     * Creates the file under {@code tmp/} for a new message. The folders are assumed to be there, and made only when
     * they are not; a file of the same name can only be what a crash left of this very message, and is replaced.
     * On the way that every message takes, that is one system call.
     */
    private static FileChannel createStaged(Path mailbox, Path staged) throws IOException {
        try {
            return FileChannel.open(staged, CREATE_NEW, WRITE);
        } catch (NoSuchFileException e) {
            create(mailbox);
        } catch (FileAlreadyExistsException e) {
            Files.delete(staged);
        }
        return FileChannel.open(staged, CREATE_NEW, WRITE);
    }

    private static byte[] trace(String reversePath, String recipient) {
        return ("Return-Path: <" + reversePath + ">\r\nDelivered-To: " + recipient + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void write(FileChannel out, byte[] bytes) throws IOException {
        write(out, ByteBuffer.wrap(bytes));
    }

    private static void write(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** Copies the file from the offset on, through a buffer, adding what it copies to the CRC; returns the bytes copied. */
    private static long copy(Path from, long offset, FileChannel out, CRC32C crc) throws IOException {
        long copied = 0;
        try (FileChannel in = FileChannel.open(from, READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            for (long at = offset; in.read(buffer.clear(), at) > 0; ) {
                buffer.flip();
                crc.update(buffer.duplicate());
                at += buffer.remaining();
                copied += buffer.remaining();
                write(out, buffer);
            }
        }
        return copied;
    }

    /** Renames a message forced to disk into {@code new/} and forces that folder. */
    private static void commit(Path mailbox, Path staged, String name, DirectorySync.Directories directories)
            throws IOException {
        Path delivered = mailbox.resolve("new");
        try {
            Files.move(staged, delivered.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) { // new/ removed by hand, while tmp/ stayed
            create(mailbox);
            Files.move(staged, delivered.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        }
        directories.force(delivered);
    }
}
