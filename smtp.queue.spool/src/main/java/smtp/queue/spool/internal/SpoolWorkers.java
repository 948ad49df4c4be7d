package smtp.queue.spool.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.spi.MessageContent;
import smtp.delivery.spi.QueueEntryDTO;
import smtp.delivery.spi.QueueWorker;

/**
 * Hands the spool's messages to a worker, each when it is due, on a pool of
 * threads; a timer holds deferred messages until their next attempt. A message
 * that the worker failed on is tried again a minute later.
 */
final class SpoolWorkers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolWorkers.class);
    static final long RETRY_AFTER_FAILURE_MILLIS = 60_000;

    private final Spool spool;
    private final Set<String> running;
    private final QueueWorker worker;
    private final Runnable onClose;
    private final ExecutorService threads;
    private final ScheduledExecutorService timer;

    SpoolWorkers(Spool spool, Set<String> running, QueueWorker worker, int concurrency, Runnable onClose) {
        this.spool = spool;
        this.running = running;
        this.worker = worker;
        this.onClose = onClose;
        this.threads = Executors.newFixedThreadPool(Math.max(1, concurrency), r -> new Thread(r, "smtp-queue-spool"));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "smtp-queue-spool-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Schedules every message found in the spool at start, each when it is due. */
    void resume(List<String> queueIds) throws IOException {
        long now = System.currentTimeMillis();
        for (String queueId : queueIds) {
            schedule(queueId, spool.entry(queueId).nextAttempt - now, true);
        }
    }

    /** Runs a message now (a new one, or one an operator wants retried). */
    void runNow(String queueId) {
        schedule(queueId, 0, false);
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        threads.shutdown();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("Delivery workers still busy after 30 s; the spool keeps what they have not finished");
            threads.shutdownNow();
        }
        onClose.run();
    }

    private void schedule(String queueId, long delayMillis, boolean redelivered) {
        try {
            if (delayMillis <= 0) {
                threads.execute(() -> run(queueId, redelivered));
            } else {
                timer.schedule(() -> schedule(queueId, 0, redelivered), delayMillis, TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) { // stopping: the spool keeps it for the next start
            LOG.debug("{}: not scheduled, the spool's workers are stopping", queueId);
        }
    }

    private void run(String queueId, boolean redelivered) {
        if (!running.add(queueId)) {
            return; // already being worked on
        }
        long delay = -1; // when to run it again; -1: done with it
        boolean failed = false;
        try {
            if (!spool.contains(queueId)) {
                return; // delivered already, or deleted
            }
            QueueEntryDTO entry = spool.entry(queueId);
            entry.redelivered = redelivered;
            QueueEntryDTO remains = worker.deliver(entry, content(spool.messageFile(queueId)));
            if (remains == null) {
                spool.remove(queueId);
                return;
            }
            remains.queueId = queueId;
            remains.redelivered = false;
            spool.rewrite(remains);
            delay = Math.max(0, remains.nextAttempt - System.currentTimeMillis());
        } catch (Exception e) {
            LOG.error("{}: delivery failed; the message stays in the spool and is tried again in a minute", queueId, e);
            delay = RETRY_AFTER_FAILURE_MILLIS;
            failed = true;
        } finally {
            running.remove(queueId);
        }
        if (delay >= 0) { // only now: a run scheduled while this one still held the message would find it taken
            schedule(queueId, delay, failed);
        }
    }

    private static MessageContent content(Path file) {
        return new MessageContent() {
            @Override
            public long size() {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    return -1;
                }
            }

            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }
        };
    }
}
