package smtp.storage;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class DirectorySyncTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void manyThreadsEachGetASyncThatStartedAfterTheirRequest() throws Exception {
        Path directory = folder.newFolder("queue").toPath();
        DirectorySync.Directories directories = new DirectorySync.Directories();
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> syncs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                syncs.add(threads.submit(() -> {
                    Files.createFile(directory.resolve("f" + n));
                    directories.force(directory);
                    return null;
                }));
            }
            for (Future<?> sync : syncs) {
                sync.get(30, TimeUnit.SECONDS); // every request returns, none fails
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(200, Files.list(directory).count());
    }

    @Test
    public void aMissingDirectoryFailsItsCallerAndTheNextCanStillSync() throws Exception {
        DirectorySync.Directories directories = new DirectorySync.Directories();
        Path missing = folder.getRoot().toPath().resolve("missing");
        try {
            directories.force(missing);
            throw new AssertionError("forcing a missing directory succeeded");
        } catch (java.io.IOException expected) {
            assertTrue(expected.toString(), expected instanceof java.nio.file.NoSuchFileException);
        }
        Files.createDirectory(missing);
        directories.force(missing);
    }
}
