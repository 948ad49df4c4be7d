package smtp.queue.spool.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.spi.QueueEntryDTO;

/** The spool store through its contract: stored, handed to a worker, deferred, retried, deleted, resumed. */
public class SpoolStoreTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static final byte[] CONTENT = "Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    /** What a worker was handed: the entry and the content as it read it. */
    private record Handed(QueueEntryDTO entry, String content) {}

    private static Handed next(BlockingQueue<Handed> handed) throws InterruptedException {
        Handed next = handed.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("no message handed to the worker within 10 s");
        }
        return next;
    }

    @Test
    public void aStoredMessageGoesToTheWorkerAndIsRemovedWhenItIsDone() throws Exception {
        SpoolStore store = new SpoolStore(folder.getRoot().toPath());
        BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
        try (AutoCloseable workers = store.consume((entry, content) -> {
            try (InputStream in = content.open()) {
                handed.add(new Handed(entry, new String(in.readAllBytes(), StandardCharsets.US_ASCII)));
            }
            return null;
        }, 2)) {
            store.store(SpoolTest.entry("A1", "a@x.test"), new ByteArrayInputStream(CONTENT));
            Handed first = next(handed);
            assertEquals("A1", first.entry().queueId);
            assertFalse(first.entry().redelivered);
            assertEquals(new String(CONTENT, StandardCharsets.US_ASCII), first.content());
        }
        assertEquals(List.of(), store.list());
        assertEquals(0, store.status().messages);
    }

    @Test
    public void aDeferredMessageWaitsForItsTimeOrAnOperatorsRetry() throws Exception {
        SpoolStore store = new SpoolStore(folder.getRoot().toPath());
        BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
        try (AutoCloseable workers = store.consume((entry, content) -> {
            handed.add(new Handed(entry, null));
            if (entry.attempts > 0) {
                return null;
            }
            QueueEntryDTO remains = SpoolTest.entry(entry.queueId, "b@y.test");
            remains.attempts = 1;
            remains.nextAttempt = System.currentTimeMillis() + 3_600_000;
            remains.lastError = "451 later";
            return remains;
        }, 1)) {
            store.store(SpoolTest.entry("D1", "a@x.test", "b@y.test"), new ByteArrayInputStream(CONTENT));
            next(handed);
            QueueEntryDTO waiting = awaitAttempts(store, "D1", 1);
            assertEquals(List.of("b@y.test"), waiting.recipients);
            assertEquals("451 later", waiting.lastError);
            assertEquals(1, store.status().deferred);
            assertNull("an hour away", handed.poll(500, TimeUnit.MILLISECONDS));
            assertTrue(store.retryNow("D1"));
            assertEquals(1, next(handed).entry().attempts);
        }
        assertNull(store.get("D1"));
        assertFalse(store.retryNow("D1"));
        assertFalse(store.delete("D1"));
    }

    @Test
    public void aWorkerFailureKeepsTheMessageAndARestartHandsItOutAsRedelivered() throws Exception {
        Path root = folder.getRoot().toPath();
        SpoolStore store = new SpoolStore(root);
        CountDownLatch tried = new CountDownLatch(1);
        try (AutoCloseable workers = store.consume((entry, content) -> {
            tried.countDown();
            throw new IOException("disk trouble");
        }, 1)) {
            store.store(SpoolTest.entry("F1", "a@x.test"), new ByteArrayInputStream(CONTENT));
            assertTrue(tried.await(10, TimeUnit.SECONDS));
        }
        assertEquals("F1", store.get("F1").queueId);
        SpoolStore restarted = new SpoolStore(root);
        BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
        try (AutoCloseable workers = restarted.consume((entry, content) -> {
            handed.add(new Handed(entry, null));
            return null;
        }, 1)) {
            assertTrue("resumed messages may have been handed out before", next(handed).entry().redelivered);
        }
    }

    @Test
    public void aMessageBeingDeliveredIsNotDeletedUnderTheWorker() throws Exception {
        SpoolStore store = new SpoolStore(folder.getRoot().toPath());
        CountDownLatch working = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (AutoCloseable workers = store.consume((entry, content) -> {
            working.countDown();
            release.await(10, TimeUnit.SECONDS);
            QueueEntryDTO remains = SpoolTest.entry(entry.queueId, "a@x.test");
            remains.attempts = 1;
            remains.nextAttempt = System.currentTimeMillis() + 3_600_000;
            return remains;
        }, 1)) {
            store.store(SpoolTest.entry("R1", "a@x.test"), new ByteArrayInputStream(CONTENT));
            assertTrue(working.await(10, TimeUnit.SECONDS));
            assertFalse(store.delete("R1"));
            release.countDown();
            awaitAttempts(store, "R1", 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!store.delete("R1") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNull(store.get("R1"));
        }
    }

    @Test
    public void aSpoolThatCannotBeWrittenRefusesTemporarilyAndSaysWhy() throws Exception {
        Path root = folder.getRoot().toPath();
        SpoolStore store = new SpoolStore(root);
        Files.delete(root.resolve("queue"));
        Files.writeString(root.resolve("queue"), "a file where the spool needs a folder");
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> store.store(SpoolTest.entry("W1", "a@x.test"), new ByteArrayInputStream(CONTENT)));
        assertFalse(e.isPermanent());
        assertFalse(store.status().available);
        assertTrue(store.status().problem, store.status().problem.contains("not writable"));
    }

    private static QueueEntryDTO awaitAttempts(SpoolStore store, String queueId, int attempts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            QueueEntryDTO entry = store.get(queueId);
            if (entry != null && entry.attempts == attempts) {
                return entry;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(queueId + " did not reach " + attempts + " attempt(s)");
    }
}
