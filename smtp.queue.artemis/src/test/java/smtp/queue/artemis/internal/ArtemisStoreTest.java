package smtp.queue.artemis.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.activemq.artemis.core.client.impl.ClientMessageImpl;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.QueueStatusDTO;
import smtp.delivery.spi.QueueEntryDTO;

/** The Artemis store through its contract, on a broker embedded in the test's JVM with its journal on disk. */
public class ArtemisStoreTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static final byte[] CONTENT = "Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    /** What a worker was handed: the entry and the content as it read it, twice. */
    private record Handed(QueueEntryDTO entry, byte[] content) {}

    static QueueEntryDTO entry(String queueId, String... recipients) {
        QueueEntryDTO entry = new QueueEntryDTO();
        entry.queueId = queueId;
        entry.sender = "alice@example.org";
        entry.recipients = List.of(recipients);
        entry.receivedAt = System.currentTimeMillis();
        entry.envelope = "queue-id: " + queueId + "\nreverse-path: alice@example.org\nrecipient: a@x.test\n";
        return entry;
    }

    private static Handed next(BlockingQueue<Handed> handed) throws InterruptedException {
        Handed next = handed.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("no message handed to the worker within 10 s");
        }
        return next;
    }

    private static byte[] readTwice(smtp.delivery.spi.MessageContent content) throws IOException {
        byte[] first;
        try (InputStream in = content.open()) {
            first = in.readAllBytes();
        }
        try (InputStream in = content.open()) {
            assertArrayEquals("the content reads the same every time", first, in.readAllBytes());
        }
        assertEquals(first.length, content.size());
        return first;
    }

    @Test
    public void theDefaultMemoryLimitFollowsTheHeap() {
        long mib = 1024 * 1024;
        assertEquals("a sixteenth of the app's 80 MiB heap", 5 * mib, ArtemisStore.memoryLimit(0, 80 * mib));
        assertEquals("at most 32 MiB", 32 * mib, ArtemisStore.memoryLimit(0, 6144 * mib));
        assertEquals("at least 1 MiB", mib, ArtemisStore.memoryLimit(0, 4 * mib));
        assertEquals("as configured", 5 * mib, ArtemisStore.memoryLimit(5 * mib, 128 * mib));
    }

    @Test
    public void aHeapFullOfDeferredMailMeansNewMailIsRefusedInsteadOfRunningOut() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of(), 0); // as if the heap were full
        try {
            DeliveryException refused = assertThrows(DeliveryException.class,
                    () -> store.store(entry("H1", "a@x.test", "b@y.test"), new ByteArrayInputStream(CONTENT)));
            assertEquals("the mail queue is full, try again later", refused.getMessage());
            QueueStatusDTO status = store.status();
            assertFalse(status.available);
            assertTrue(status.problem, status.problem.contains("as much as the heap can take"));
            assertEquals("nothing was queued", List.of(), store.list());
        } finally {
            store.stop();
        }
    }

    @Test
    public void theHeapGuardReadsTheOldGenerationAfterCollection() {
        assertEquals(0, HeapGuard.percent(null));
        assertEquals("no maximum: nothing to compare with", 0, HeapGuard.percent(new MemoryUsage(0, 50, 60, -1)));
        assertEquals(79, HeapGuard.percent(new MemoryUsage(0, 79, 100, 100)));
        assertEquals(80, HeapGuard.percent(new MemoryUsage(0, 80, 100, 100)));
        int now = new HeapGuard().percentInUse();
        assertTrue("this JVM's old generation, in use after collection: " + now, now >= 0 && now < 100);
    }

    @Test
    public void aFullReadingIsCheckedWithACollectionOfItsOwnAtMostEveryFewSeconds() {
        long[] now = {0};
        int[] collections = {0};
        long[] used = {90}; // what the last collection of the old generation left, in percent
        HeapGuard guard = new HeapGuard(80, () -> new MemoryUsage(0, used[0], 100, 100), () -> {
            collections[0]++;
            used[0] = 30; // the garbage a busy moment left is gone
        }, () -> now[0]);
        assertNull("a stale reading does not refuse mail", guard.problem());
        assertEquals(1, collections[0]);

        HeapGuard full = new HeapGuard(80, () -> new MemoryUsage(0, 85, 100, 100), () -> collections[0]++, () -> now[0]);
        collections[0] = 0;
        assertTrue(full.problem().contains("85% of the old generation"));
        assertEquals(1, collections[0]);
        now[0] += HeapGuard.LOOK_AGAIN_NANOS - 1;
        assertNotNull(full.problem());
        assertEquals("no second collection within the interval", 1, collections[0]);
        now[0] += 1;
        assertNotNull(full.problem());
        assertEquals(2, collections[0]);
    }

    @Test
    public void aStoredMessageGoesToTheWorkerWithItsEntryAndIsGoneWhenItIsDone() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of());
        try {
            BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
            try (AutoCloseable workers = store.consume((entry, content) -> {
                handed.add(new Handed(entry, readTwice(content)));
                return null;
            }, 2)) {
                QueueEntryDTO stored = entry("A1", "a@x.test", "b@y.test");
                store.store(stored, new ByteArrayInputStream(CONTENT));
                Handed first = next(handed);
                assertEquals(stored.toString(), first.entry().toString());
                assertArrayEquals(CONTENT, first.content());
            }
            assertEquals(List.of(), store.list());
            QueueStatusDTO status = store.status();
            assertTrue(status.available);
            assertEquals("artemis", status.store);
            assertEquals(0, status.messages);
        } finally {
            store.stop();
        }
    }

    @Test
    public void aDeferredMessageIsHeldUntilItsTimeOrAnOperatorsRetryAndIsListedMeanwhile() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of());
        try {
            BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
            try (AutoCloseable workers = store.consume((entry, content) -> {
                handed.add(new Handed(entry, readTwice(content)));
                if (entry.attempts > 0) {
                    return null;
                }
                QueueEntryDTO remains = entry(entry.queueId, "b@y.test");
                remains.receivedAt = entry.receivedAt;
                remains.attempts = 1;
                remains.nextAttempt = System.currentTimeMillis() + 3_600_000;
                remains.lastError = "mx.y.test said: 451 4.3.0 later";
                return remains;
            }, 1)) {
                store.store(entry("D1", "a@x.test", "b@y.test"), new ByteArrayInputStream(CONTENT));
                next(handed);
                QueueEntryDTO waiting = awaitAttempts(store, "D1", 1);
                try (Stream<Path> held = Files.list(folder.getRoot().toPath().resolve("queue/large-messages"))) {
                    assertEquals("the held message's content waits in a file of the broker's, not in its memory", 1,
                            held.count());
                }
                assertEquals(List.of("b@y.test"), waiting.recipients);
                assertEquals("mx.y.test said: 451 4.3.0 later", waiting.lastError);
                assertEquals(List.of("D1"), store.list().stream().map(e -> e.queueId).toList());
                QueueStatusDTO status = store.status();
                assertEquals(1, status.messages);
                assertEquals(1, status.deferred);
                assertNull("held for an hour", handed.poll(500, TimeUnit.MILLISECONDS));
                assertTrue(store.retryNow("D1"));
                Handed again = next(handed);
                assertEquals(1, again.entry().attempts);
                assertArrayEquals("the held message keeps its content", CONTENT, again.content());
            }
            assertNull(store.get("D1"));
            assertFalse(store.retryNow("D1"));
            assertFalse(store.delete("D1"));
        } finally {
            store.stop();
        }
    }

    @Test
    public void aMessageDeferredForManyRecipientsIsHeldAndConsolesReadItsHeaderSection() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of());
        try {
            String[] recipients = new String[60];
            for (int i = 0; i < recipients.length; i++) {
                recipients[i] = "recipient-number-" + i + "-with-a-long-name@remote-domain.example";
            }
            byte[] content = ("Received: from client.test\r\nSubject: for many\r\nX-Long: " + "x".repeat(3000)
                    + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
            BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
            CountDownLatch firstHeld = new CountDownLatch(1);
            try (AutoCloseable workers = store.consume((entry, given) -> {
                handed.add(new Handed(entry, readTwice(given)));
                if (entry.attempts > 0) {
                    return null;
                }
                firstHeld.await(10, TimeUnit.SECONDS);
                QueueEntryDTO remains = entry(entry.queueId, recipients);
                remains.receivedAt = entry.receivedAt;
                remains.attempts = 1;
                remains.nextAttempt = System.currentTimeMillis() + 3_600_000;
                remains.lastError = "mx.remote-domain.example said: 451 4.3.0 " + "later ".repeat(40);
                return remains;
            }, 1)) {
                store.store(entry("M1", recipients), new ByteArrayInputStream(content));
                // while the worker holds it, it is not in the queue to read
                next(handed);
                QueueEntryDTO delivering = store.get("M1");
                assertNull("being delivered: not browsable", delivering.headers);
                firstHeld.countDown();
                // an envelope this large does not fit a large message's first packet: it is kept all the same
                QueueEntryDTO waiting = awaitAttempts(store, "M1", 1);
                assertEquals(List.of(recipients), waiting.recipients);
                assertEquals("Received: from client.test\r\nSubject: for many\r\nX-Long: " + "x".repeat(3000),
                        waiting.headers);
                assertNull("held for an hour", handed.poll(500, TimeUnit.MILLISECONDS));
                assertTrue(store.retryNow("M1"));
                Handed again = next(handed);
                assertEquals(1, again.entry().attempts);
                assertEquals(List.of(recipients), again.entry().recipients);
                assertArrayEquals(content, again.content());
            }
        } finally {
            store.stop();
        }
    }

    @Test
    public void aQueuedMessagesHeaderSectionIsReadWithoutTakingItFromTheQueue() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of("largeMessageSize", 64 * 1024));
        try {
            byte[] small = "Subject: small\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] large = ("Subject: large\r\n\r\n" + "y".repeat(200_000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            store.store(entry("S1", "b@y.test"), new ByteArrayInputStream(small));
            store.store(entry("L1", "b@y.test"), new ByteArrayInputStream(large));
            assertEquals("Subject: small", store.get("S1").headers);
            assertEquals("Subject: large", store.get("L1").headers);
            assertEquals("read again: the browser left them queued", "Subject: large", store.get("L1").headers);
            assertEquals(2, store.status().messages);
        } finally {
            store.stop();
        }
    }

    @Test
    public void anOperatorDeletesAHeldMessageButNotOneBeingDelivered() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of());
        try {
            CountDownLatch working = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            try (AutoCloseable workers = store.consume((entry, content) -> {
                working.countDown();
                assertTrue(release.await(10, TimeUnit.SECONDS));
                QueueEntryDTO remains = entry(entry.queueId, "a@x.test");
                remains.attempts = 1;
                remains.nextAttempt = System.currentTimeMillis() + 3_600_000;
                return remains;
            }, 1)) {
                store.store(entry("R1", "a@x.test"), new ByteArrayInputStream(CONTENT));
                assertTrue(working.await(10, TimeUnit.SECONDS));
                assertEquals("being delivered, and listed as such", "R1", store.get("R1").queueId);
                assertFalse(store.delete("R1"));
                release.countDown();
                awaitAttempts(store, "R1", 1);
                assertTrue(store.delete("R1"));
                assertNull(store.get("R1"));
            }
        } finally {
            store.stop();
        }
    }

    @Test
    public void aBodyIsReadWholeIntoTheMessageAtAnySizeAndInAnyPieces() throws Exception {
        int limit = 64 * 1024;
        Random random = new Random(7);
        for (int size : new int[] {0, 1, ArtemisStore.FIRST_BUFFER - 20, ArtemisStore.FIRST_BUFFER, 50_000, limit - 1, limit,
                limit + 1, 3 * limit}) {
            byte[] content = new byte[size];
            random.nextBytes(content);
            // a client's data arrives in pieces of any size
            InputStream pieces = new ByteArrayInputStream(content) {
                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    return super.read(b, off, Math.min(len, 1 + random.nextInt(3000)));
                }
            };
            ClientMessageImpl message = new ClientMessageImpl((byte) 0, true, 0, 0, (byte) 4, ArtemisStore.FIRST_BUFFER);
            boolean whole = ArtemisStore.readWhole(pieces, message.getBodyBuffer(), limit);
            assertEquals("whole at " + size + " bytes", size < limit, whole);
            byte[] body = new byte[message.getBodyBuffer().readableBytes()];
            message.getBodyBuffer().readBytes(body);
            assertArrayEquals("the body at " + size + " bytes", Arrays.copyOf(content, Math.min(size, limit)), body);
            assertEquals("the rest is left to stream", Math.max(0, size - limit), pieces.available());
        }
    }

    @Test
    public void aMessageIsHeldBackWhileMoreWaitThanTheWorkersTakeAndGoesOnWhenTheyCatchUp() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of("inFlowDelay", 60_000));
        try {
            // no workers here: nothing to wait for, nothing held back
            for (int i = 1; i <= 3; i++) {
                store.store(entry("W" + i, "a@x.test"), new ByteArrayInputStream(CONTENT));
            }
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
            try (AutoCloseable workers = store.consume((entry, content) -> {
                busy.countDown();
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("the test never released the worker");
                }
                delivered.add(entry.queueId);
                return null;
            }, 1)) {
                assertTrue("the worker took the first message", busy.await(10, TimeUnit.SECONDS));
                // one worker, busy, and two messages due: the next one waits for the worker to catch up
                Thread sender = new Thread(() -> {
                    try {
                        store.store(entry("W4", "a@x.test"), new ByteArrayInputStream(CONTENT));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                sender.start();
                sender.join(500);
                assertTrue("held back while the worker is behind", sender.isAlive());
                assertEquals(3, store.status().messages);
                release.countDown();
                sender.join(10_000);
                assertFalse("queued once the worker caught up, long before the in-flow delay", sender.isAlive());
                for (int i = 0; i < 4; i++) {
                    assertNotNull(delivered.poll(10, TimeUnit.SECONDS));
                }
            }
        } finally {
            store.stop();
        }
    }

    @Test
    public void aMessageIsHeldBackNoLongerThanTheInFlowDelayAndNotAtAllWithoutOne() throws Exception {
        for (int delay : new int[] {300, 0}) {
            ArtemisStore store = Stores.embedded(folder.newFolder().toPath(), Map.of("inFlowDelay", delay));
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            try (AutoCloseable workers = store.consume((entry, content) -> {
                busy.countDown();
                release.await(30, TimeUnit.SECONDS);
                return null;
            }, 1)) {
                try {
                    for (int i = 1; i <= 3; i++) { // the worker holds the first, two more wait
                        store.store(entry("D" + i, "a@x.test"), new ByteArrayInputStream(CONTENT));
                    }
                    // the state the check reads, before the fourth: the worker holds one, the broker counts three
                    assertTrue("the worker took the first message", busy.await(10, TimeUnit.SECONDS));
                    awaitMessages(store, 3);
                    long start = System.nanoTime();
                    store.store(entry("D4", "a@x.test"), new ByteArrayInputStream(CONTENT));
                    long heldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    if (delay > 0) {
                        assertTrue("held back for the in-flow delay: " + heldMillis + " ms", heldMillis >= delay);
                    } else {
                        assertTrue("not held back: " + heldMillis + " ms", heldMillis < 300);
                    }
                    assertEquals(4, store.status().messages);
                } finally {
                    release.countDown(); // before the workers close: they wait for a delivery under way
                }
            } finally {
                store.stop();
            }
        }
    }

    @Test
    public void idleWorkersStopWhenClosedWithoutWaitingOutTheirWaitAndLeaveLaterMailQueued() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of());
        try {
            BlockingQueue<Handed> handedBefore = new LinkedBlockingQueue<>();
            AutoCloseable workers = store.consume((entry, content) -> {
                handedBefore.add(new Handed(entry, readTwice(content)));
                return null;
            }, 4);
            store.store(entry("W1", "a@x.test"), new ByteArrayInputStream(CONTENT));
            assertEquals("W1", next(handedBefore).entry().queueId);
            awaitMessages(store, 0); // done with: all four workers wait for the next message now
            long start = System.nanoTime();
            workers.close();
            long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue("closed in " + closeMillis + " ms, not after a worker's wait of " + QueueWorkers.RECEIVE_MILLIS
                    + " ms", closeMillis < QueueWorkers.RECEIVE_MILLIS / 2);

            store.store(entry("W2", "a@x.test"), new ByteArrayInputStream(CONTENT));
            awaitMessages(store, 1);
            BlockingQueue<Handed> handedAfter = new LinkedBlockingQueue<>();
            try (AutoCloseable again = store.consume((entry, content) -> {
                handedAfter.add(new Handed(entry, readTwice(content)));
                return null;
            }, 1)) {
                assertEquals("W2", next(handedAfter).entry().queueId);
            }
            assertEquals("the closed workers took nothing more", List.of(), List.copyOf(handedBefore));
        } finally {
            store.stop();
        }
    }

    @Test
    public void aWorkerFailureKeepsTheMessageForALaterTryAndMarksItRedelivered() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of());
        try {
            CountDownLatch tried = new CountDownLatch(1);
            try (AutoCloseable workers = store.consume((entry, content) -> {
                tried.countDown();
                throw new IOException("disk trouble");
            }, 1)) {
                store.store(entry("F1", "a@x.test"), new ByteArrayInputStream(CONTENT));
                assertTrue(tried.await(10, TimeUnit.SECONDS));
                QueueEntryDTO kept = awaitHeld(store, "F1");
                assertEquals(0, kept.attempts);
                assertTrue(kept.nextAttempt > System.currentTimeMillis() + 30_000);
            }
            BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
            try (AutoCloseable workers = store.consume((entry, content) -> {
                handed.add(new Handed(entry, readTwice(content)));
                return null;
            }, 1)) {
                assertTrue(store.retryNow("F1"));
                Handed again = next(handed);
                assertTrue(again.entry().redelivered);
                assertArrayEquals(CONTENT, again.content());
            }
        } finally {
            store.stop();
        }
    }

    @Test
    public void manySendersAndWorkersAtOnceShareTheBoundedInVmThreadsWhichStopWithTheBroker() throws Exception {
        int senders = 24;
        int each = 10;
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of("inFlowDelay", 0));
        List<Thread> started = new ArrayList<>();
        try {
            BlockingQueue<String> handed = new LinkedBlockingQueue<>();
            try (AutoCloseable workers = store.consume((entry, content) -> {
                handed.add(entry.queueId);
                return null;
            }, 4)) {
                BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
                for (int s = 0; s < senders; s++) {
                    int sender = s;
                    Thread thread = new Thread(() -> {
                        try {
                            for (int i = 0; i < each; i++) {
                                store.store(entry("P" + sender + "-" + i, "a@x.test"), new ByteArrayInputStream(CONTENT));
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    });
                    started.add(thread);
                    thread.start();
                }
                for (Thread thread : started) {
                    thread.join(30_000);
                    assertFalse("a sender still sending after 30 s", thread.isAlive());
                }
                assertEquals(List.of(), List.copyOf(failures));
                Set<String> ids = new HashSet<>();
                for (int i = 0; i < senders * each; i++) {
                    String id = handed.poll(10, TimeUnit.SECONDS);
                    assertNotNull("only " + i + " of " + senders * each + " messages handed to the workers", id);
                    ids.add(id);
                }
                assertEquals("every message, once", senders * each, ids.size());
                List<String> inVm = liveThreads("smtp-queue-in-vm");
                assertFalse("the in-VM connections carry packets on the suite's pool", inVm.isEmpty());
                assertTrue("at most " + EmbeddedBroker.IN_VM_ACCEPTOR_THREADS + ": " + inVm,
                        inVm.size() <= EmbeddedBroker.IN_VM_ACCEPTOR_THREADS);
                assertEquals("the broker's unbounded remoting pool is not used", List.of(),
                        liveThreads("ActiveMQ-remoting-threads"));
            }
        } finally {
            store.stop();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!liveThreads("smtp-queue-in-vm").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("stopped with the broker", List.of(), liveThreads("smtp-queue-in-vm"));
    }

    private static List<String> liveThreads(String named) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.contains(named)).sorted().toList();
    }

    @Test
    public void aBrokerRestartLosesNoStoredMessage() throws Exception {
        Path root = folder.getRoot().toPath();
        ArtemisStore first = Stores.embedded(root, Map.of());
        try {
            for (int i = 0; i < 20; i++) {
                first.store(entry("K" + i, "a@x.test"), new ByteArrayInputStream(CONTENT));
            }
        } finally {
            first.stop();
        }
        ArtemisStore second = Stores.embedded(root, Map.of());
        try {
            assertEquals(20, second.list().size());
            assertEquals(20, second.status().messages);
        } finally {
            second.stop();
        }
    }

    @Test
    public void aLargeMessageIsStreamedBothWaysAndReadableManyTimes() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of("largeMessageSize", 64 * 1024));
        try {
            byte[] large = new byte[3 * 1024 * 1024 + 17];
            new Random(7).nextBytes(large);
            BlockingQueue<Handed> handed = new LinkedBlockingQueue<>();
            try (AutoCloseable workers = store.consume((entry, content) -> {
                handed.add(new Handed(entry, readTwice(content)));
                if (entry.attempts > 0) {
                    return null;
                }
                QueueEntryDTO remains = entry(entry.queueId, "a@x.test");
                remains.attempts = 1; // put back at once: the successor carries the content along
                return remains;
            }, 1)) {
                store.store(entry("L1", "a@x.test"), new ByteArrayInputStream(large));
                assertArrayEquals(large, next(handed).content());
                assertArrayEquals(large, next(handed).content());
            }
        } finally {
            store.stop();
        }
    }

    @Test
    public void aClientFailingMidMessageIsItsReadFailureAndLeavesNothing() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of("largeMessageSize", 64 * 1024));
        try {
            for (int size : new int[] {1000, 500_000}) { // within one journal record, and streamed
                InputStream breaksOff = new SequenceInputStream(new ByteArrayInputStream(new byte[size]), new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("connection reset");
                    }
                });
                IOException e = assertThrows(IOException.class, () -> store.store(entry("C" + size, "a@x.test"), breaksOff));
                assertEquals("connection reset", e.getMessage());
            }
            store.store(entry("OK1", "a@x.test"), new ByteArrayInputStream(CONTENT)); // the store still works
            assertEquals(List.of("OK1"), store.list().stream().map(entry -> entry.queueId).toList());
        } finally {
            store.stop();
        }
    }

    @Test
    public void aFullQueueRefusesTemporarilyAndSaysSo() throws Exception {
        ArtemisStore store = Stores.embedded(folder.getRoot().toPath(), Map.of("maxQueueSize", 200_000L));
        try {
            DeliveryException full = null;
            for (int i = 0; i < 100 && full == null; i++) {
                try {
                    store.store(entry("Q" + i, "a@x.test"), new ByteArrayInputStream(new byte[20_000]));
                } catch (DeliveryException e) {
                    full = e;
                }
            }
            assertTrue("the queue filled up", full != null);
            assertFalse(full.isPermanent());
            assertTrue(full.getMessage(), full.getMessage().contains("full"));
            QueueStatusDTO status = store.status();
            assertFalse(status.available);
            assertTrue(status.problem, status.problem.contains("full"));
            // room again: it takes mail, and says so, by itself
            try (AutoCloseable workers = store.consume((entry, content) -> null, 4)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!store.status().available && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(store.status().available);
                store.store(entry("AFTER", "a@x.test"), new ByteArrayInputStream(CONTENT));
            }
        } finally {
            store.stop();
        }
    }

    private static QueueEntryDTO awaitAttempts(ArtemisStore store, String queueId, int attempts) throws Exception {
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

    private static void awaitMessages(ArtemisStore store, long messages) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.status().messages != messages) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the queue did not come to " + messages + " message(s): "
                        + store.status().messages);
            }
            Thread.sleep(20);
        }
    }

    private static QueueEntryDTO awaitHeld(ArtemisStore store, String queueId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            QueueEntryDTO entry = store.get(queueId);
            if (entry != null && entry.nextAttempt > 0) {
                return entry;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(queueId + " was not put back for a later attempt");
    }
}
