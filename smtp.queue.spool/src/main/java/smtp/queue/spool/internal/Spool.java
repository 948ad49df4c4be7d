package smtp.delivery.internal;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
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
import java.util.List;

import smtp.delivery.api.Envelope;

/**
 * The durable queue of accepted messages.
 * <p>
 * A message is two files in {@code queue/}: {@code <id>.msg} with the content
 * and {@code <id>.env} with the envelope. The envelope is written in
 * {@code tmp/} and renamed into {@code queue/} last, after both files and the
 * directory are forced to disk: its presence is the commit. A {@code .msg}
 * without an {@code .env} is the remains of an interrupted store and is removed
 * by {@link #recover()}.
 */
final class Spool {

    private static final String MESSAGE = ".msg";
    private static final String ENVELOPE = ".env";

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
    void store(Envelope envelope, InputStream content) throws IOException {
        Path message = messageFile(envelope.queueId);
        try {
            try (FileChannel out = writeFailure(() -> FileChannel.open(message, CREATE_NEW, WRITE))) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = content.read(buffer)) >= 0; ) {
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    writeFailure(() -> {
                        while (chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                        return null;
                    });
                }
                writeFailure(() -> { out.force(true); return null; });
            }
            writeFailure(() -> { writeEnvelope(envelope, EnvelopeFile.State.NEW); return null; });
        } catch (IOException | RuntimeException e) {
            removeAfterFailure(e, message);
            throw e;
        }
    }

    /** Removes what a failed store left, keeping the failure as the one to report. */
    static void removeAfterFailure(Exception failure, Path... files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Replaces the envelope and state of a stored message, atomically. */
    void rewrite(Envelope envelope, EnvelopeFile.State state) throws IOException {
        writeEnvelope(envelope, state);
    }

    /** Removes a message: the envelope first, so that a crash in between leaves only debris. */
    void remove(String queueId) throws IOException {
        Files.deleteIfExists(envelopeFile(queueId));
        Files.deleteIfExists(messageFile(queueId));
    }

    EnvelopeFile.Spooled spooled(String queueId) throws IOException {
        return EnvelopeFile.decodeWithState(Files.readAllBytes(envelopeFile(queueId)));
    }

    Path messageFile(String queueId) {
        return queue.resolve(queueId + MESSAGE);
    }

    boolean contains(String queueId) {
        return Files.exists(envelopeFile(queueId)) || Files.exists(messageFile(queueId));
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
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(MESSAGE)) {
                    String id = name.substring(0, name.length() - MESSAGE.length());
                    if (Files.exists(envelopeFile(id))) {
                        ids.add(id);
                    } else {
                        Files.deleteIfExists(file);
                    }
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    private Path envelopeFile(String queueId) {
        return queue.resolve(queueId + ENVELOPE);
    }

    private void writeEnvelope(Envelope envelope, EnvelopeFile.State state) throws IOException {
        Path staged = tmp.resolve(envelope.queueId + ENVELOPE);
        try (FileChannel out = FileChannel.open(staged, CREATE_NEW, WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(EnvelopeFile.encode(envelope, state));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        } catch (IOException e) {
            removeAfterFailure(e, staged);
            throw e;
        }
        Files.move(staged, envelopeFile(envelope.queueId), ATOMIC_MOVE, REPLACE_EXISTING);
        forceDirectory(queue);
    }

    /** Forces a directory's entries (new, renamed or removed files) to disk, sharing one fsync with other threads. */
    void forceDirectory(Path directory) throws IOException {
        directories.force(directory);
    }

    interface StorageAction<T> {
        T run() throws IOException;
    }

    /** Marks a failure of the spool's own storage, as opposed to one of reading the content. */
    static <T> T writeFailure(StorageAction<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
