package smtp.queue.spool.internal;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import smtp.delivery.spi.QueueEntryDTO;
import smtp.storage.DirectorySync;
import smtp.storage.Storage;

/**
 * The files of the spool.
 * <p>
 * A message is two files in {@code queue/}: {@code <id>.msg} with the content
 * and {@code <id>.env} with its entry. The entry is written in {@code tmp/}
 * and renamed into {@code queue/} last, after both files are forced to disk,
 * and the directory is forced after the rename: its presence is the commit. A
 * {@code .msg} without an {@code .env} is the remains of an interrupted store
 * and is removed by {@link #recover()}.
 */
final class Spool {

    private static final String MESSAGE = ".msg";
    private static final String ENTRY = ".env";

    private final Path queue;
    private final Path tmp;
    private final DirectorySync.Directories directories = new DirectorySync.Directories();

    Spool(Path directory) throws IOException {
        this.queue = Files.createDirectories(directory.resolve("queue"));
        this.tmp = Files.createDirectories(directory.resolve("tmp"));
    }

    /**
     * Stores a message durably.
     *
     * @throws IOException if reading the content failed; nothing is kept
     * @throws UncheckedIOException if writing to the spool failed; nothing is kept
     */
    void store(QueueEntryDTO entry, InputStream content) throws IOException {
        Path message = messageFile(entry.queueId);
        try {
            try (FileChannel out = Storage.writing(() -> FileChannel.open(message, CREATE_NEW, WRITE))) {
                byte[] buffer = new byte[16 * 1024];
                for (int n; (n = content.read(buffer)) >= 0; ) {
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    Storage.writing(() -> {
                        while (chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                        return null;
                    });
                }
                Storage.writing(() -> { out.force(true); return null; });
            }
            Storage.writing(() -> { write(entry); return null; });
        } catch (IOException | RuntimeException e) {
            Storage.removeAfterFailure(e, message);
            throw e;
        }
    }

    /** Replaces the entry of a stored message, atomically. */
    void rewrite(QueueEntryDTO entry) throws IOException {
        write(entry);
    }

    /** Removes a message: the entry first, so that a crash in between leaves only debris. */
    void remove(String queueId) throws IOException {
        Files.deleteIfExists(entryFile(queueId));
        Files.deleteIfExists(messageFile(queueId));
    }

    QueueEntryDTO entry(String queueId) throws IOException {
        return EntryFile.decode(Files.readAllBytes(entryFile(queueId)));
    }

    Path messageFile(String queueId) {
        return queue.resolve(queueId + MESSAGE);
    }

    boolean contains(String queueId) {
        return Files.exists(entryFile(queueId));
    }

    /**
     * Clears what interrupted stores left behind and returns the queue ids of
     * every committed message.
     */
    List<String> recover() throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(tmp)) {
            for (Path file : leftovers) {
                Files.deleteIfExists(file);
            }
        }
        List<String> ids = ids();
        Set<String> committed = new HashSet<>(ids);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue, "*" + MESSAGE)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!committed.contains(name.substring(0, name.length() - MESSAGE.length()))) {
                    Files.deleteIfExists(file);
                }
            }
        }
        return ids;
    }

    /** @return the queue ids of every committed message, sorted */
    List<String> ids() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue, "*" + ENTRY)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                ids.add(name.substring(0, name.length() - ENTRY.length()));
            }
        }
        ids.sort(null);
        return ids;
    }

    private Path entryFile(String queueId) {
        return queue.resolve(queueId + ENTRY);
    }

    private void write(QueueEntryDTO entry) throws IOException {
        Path staged = tmp.resolve(entry.queueId + ENTRY);
        try (FileChannel out = FileChannel.open(staged, CREATE_NEW, WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(EntryFile.encode(entry));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        } catch (IOException e) {
            Storage.removeAfterFailure(e, staged);
            throw e;
        }
        Files.move(staged, entryFile(entry.queueId), ATOMIC_MOVE, REPLACE_EXISTING);
        directories.force(queue);
    }
}
