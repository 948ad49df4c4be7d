package smtp.storage;

import static java.nio.file.StandardOpenOption.READ;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Telling a storage failure (a file that cannot be written: the server's
 * problem, a 4xx) from a failure to read the content (the client's: nothing to
 * answer), and cleaning up after either.
 */
public final class Storage {

    private Storage() {}

    /** A step that writes to storage. */
    public interface Action<T> {
        T run() throws IOException;
    }

    /**
     * Runs a storage step, marking its failure as the storage's.
     *
     * @throws UncheckedIOException if the step failed
     */
    public static <T> T writing(Action<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forces a folder's entries (files made, renamed or removed in it) to disk. */
    public static void forceFolder(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, READ)) {
            channel.force(true);
        }
    }

    /** Removes what a failed write left, keeping the failure as the one to report. */
    public static void removeAfterFailure(Exception failure, Path... files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
