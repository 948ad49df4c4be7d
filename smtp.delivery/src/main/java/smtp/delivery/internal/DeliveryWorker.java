package smtp.delivery.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;

/**
 * Works the spool: delivers local recipients into their Maildirs and relays
 * the others, one connection per destination domain; keeps deferred
 * recipients with the time of their next attempt (by the retry schedule);
 * fails recipients whose message outlived the maximum queue time; and sends a
 * bounce for every failed recipient to the sender (never to the null sender).
 * The bounce is in the spool before the original's state changes, so a crash
 * can repeat a bounce but never lose one.
 */
final class DeliveryQueue {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryQueue.class);
    static final long BUSY_RETRY_MILLIS = 2000;

    /** Settings of the queue. */
    record Settings(String hostName, long[] retryIntervalsMillis, long maxQueueMillis, int maxConnections,
            int maxConnectionsPerDestination) {}

    /** Hands a message (a bounce) to the delivery service, durably. */
    interface Submitter {
        String submit(Envelope envelope, byte[] content) throws DeliveryException, IOException;
    }

    /** Told each recipient's outcome (the delivery events). */
    interface Outcomes {
        void delivered(String queueId, Envelope envelope, String recipient, String transport, String detail, int attempts);

        void deferred(String queueId, Envelope envelope, String recipient, String detail, int attempts, long nextAttempt);

        void bounced(String queueId, Envelope envelope, String recipient, String detail, int attempts);
    }

    private final Spool spool;
    private final Mailboxes mailboxes;
    private final Relay relay;
    private final Settings settings;
    private final Submitter submitter;
    private final Outcomes outcomes;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Map<String, Semaphore> perDestination = new ConcurrentHashMap<>();

    DeliveryQueue(Spool spool, Mailboxes mailboxes, Relay relay, Settings settings, Submitter submitter,
            Outcomes outcomes) {
        this.spool = spool;
        this.mailboxes = mailboxes;
        this.relay = relay;
        this.settings = settings;
        this.submitter = submitter;
        this.outcomes = outcomes;
        this.workers = Executors.newFixedThreadPool(settings.maxConnections(), r -> new Thread(r, "smtp-delivery"));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "smtp-delivery-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Resumes every spooled message, each when it is due. */
    void resume(List<String> queueIds) throws IOException {
        long now = System.currentTimeMillis();
        for (String queueId : queueIds) {
            schedule(queueId, spool.spooled(queueId).state().nextAttempt() - now, true);
        }
    }

    /** Runs a message now (a new one, or one an operator wants retried). */
    void runNow(String queueId) {
        schedule(queueId, 0, false);
    }

    void stop() throws InterruptedException {
        timer.shutdownNow();
        workers.shutdown();
        if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("Delivery workers still busy after 30 s; the spool keeps what they have not finished");
            workers.shutdownNow();
        }
    }

    private void schedule(String queueId, long delayMillis, boolean resumed) {
        try {
            if (delayMillis <= 0) {
                workers.execute(() -> run(queueId, resumed));
            } else {
                timer.schedule(() -> schedule(queueId, 0, resumed), delayMillis, TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) { // stopping: the spool keeps it for the next start
            LOG.debug("{}: not scheduled, the delivery service is stopping", queueId);
        }
    }

    private void run(String queueId, boolean resumed) {
        if (!running.add(queueId)) {
            return; // already being worked on
        }
        try {
            if (spool.contains(queueId)) {
                process(queueId, resumed);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: delivery failed; the message stays in the spool and is tried again in a minute", queueId, e);
            schedule(queueId, 60_000, true);
        } finally {
            running.remove(queueId);
        }
    }

    private void process(String queueId, boolean resumed) throws IOException {
        EnvelopeFile.Spooled spooled = spool.spooled(queueId);
        Envelope envelope = spooled.envelope();
        Path message = spool.messageFile(queueId);
        List<String> deferred = new ArrayList<>();
        List<Bounce.Failure> failed = new ArrayList<>();
        String lastError = null;
        boolean onlyBusy = true; // deferred only because a destination had all its connections in use
        Map<String, List<String>> remote = new LinkedHashMap<>();
        String name = Maildir.fileName(envelope.receivedAt, queueId, settings.hostName());
        for (String recipient : envelope.recipients) {
            switch (mailboxes.status(recipient)) {
                case LOCAL -> {
                    Path mailbox = mailboxes.pathOf(recipient);
                    if (resumed && Maildir.contains(mailbox, name)) {
                        LOG.info("{}: already in the mailbox of <{}>", queueId, recipient);
                    } else {
                        Maildir.deliver(mailbox, name, message, envelope.reversePath, recipient, spool);
                        LOG.info("{}: delivered to <{}> in {}", queueId, recipient, mailbox);
                        outcomes.delivered(queueId, envelope, recipient, "local", mailbox.toString(), spooled.state().attempts() + 1);
                    }
                }
                case UNKNOWN -> failed.add(new Bounce.Failure(recipient, "5.1.1 the mailbox no longer exists"));
                case REMOTE -> remote.computeIfAbsent(Addresses.domain(recipient), d -> new ArrayList<>()).add(recipient);
            }
        }
        for (Map.Entry<String, List<String>> destination : remote.entrySet()) {
            Semaphore permits = perDestination.computeIfAbsent(destination.getKey(),
                    d -> new Semaphore(settings.maxConnectionsPerDestination()));
            if (!permits.tryAcquire()) {
                deferred.addAll(destination.getValue());
                lastError = "too many connections to " + destination.getKey() + " already";
                continue;
            }
            try {
                for (Map.Entry<String, Relay.Outcome> outcome : relay.deliver(destination.getKey(), envelope,
                        destination.getValue(), message).entrySet()) {
                    String recipient = outcome.getKey();
                    String detail = outcome.getValue().detail();
                    switch (outcome.getValue().result()) {
                        case DELIVERED -> {
                            LOG.info("{}: relayed to <{}>: {}", queueId, recipient, detail);
                            outcomes.delivered(queueId, envelope, recipient, "smtp", detail, spooled.state().attempts() + 1);
                        }
                        case FAILED -> failed.add(new Bounce.Failure(recipient, detail));
                        case DEFERRED -> {
                            deferred.add(recipient);
                            lastError = detail;
                            onlyBusy = false;
                        }
                    }
                }
            } finally {
                permits.release();
            }
        }
        EnvelopeFile.State state = spooled.state();
        long now = System.currentTimeMillis();
        if (!deferred.isEmpty() && now - envelope.receivedAt >= settings.maxQueueMillis()) {
            for (String recipient : deferred) {
                failed.add(new Bounce.Failure(recipient, "4.4.7 message expired after " + (settings.maxQueueMillis() / 3_600_000)
                        + " hours in the queue; last error: " + lastError));
            }
            deferred.clear();
        }
        failed.forEach(failure -> LOG.warn("{}: <{}> failed: {}", queueId, failure.recipient(), failure.detail()));
        bounce(queueId, envelope, failed, message);
        failed.forEach(failure -> outcomes.bounced(queueId, envelope, failure.recipient(), failure.detail(),
                state.attempts() + 1));
        if (deferred.isEmpty()) {
            spool.remove(queueId);
            return;
        }
        // a busy destination is no failed attempt: try again soon
        int attempts = onlyBusy ? state.attempts() : state.attempts() + 1;
        long[] intervals = settings.retryIntervalsMillis();
        long next = onlyBusy ? now + BUSY_RETRY_MILLIS : now + intervals[Math.min(attempts, intervals.length) - 1];
        envelope.recipients = deferred;
        spool.rewrite(envelope, new EnvelopeFile.State(attempts, next, lastError));
        if (!onlyBusy) {
            for (String recipient : deferred) {
                outcomes.deferred(queueId, envelope, recipient, lastError, attempts, next);
            }
        }
        LOG.info("{}: deferred for {} (attempt {}): {}; next attempt in {} s", queueId, deferred, attempts, lastError,
                (next - now) / 1000);
        schedule(queueId, next - now, false);
    }

    private void bounce(String queueId, Envelope envelope, List<Bounce.Failure> failed, Path message) throws IOException {
        if (failed.isEmpty()) {
            return;
        }
        if (envelope.reversePath.isEmpty()) {
            LOG.warn("{}: no bounce for a message with the null sender", queueId);
            return;
        }
        Envelope notice = new Envelope();
        notice.reversePath = "";
        notice.recipients = List.of(envelope.reversePath);
        notice.receivedAt = System.currentTimeMillis();
        try {
            String bounceId = submitter.submit(notice, Bounce.create(settings.hostName(), queueId, envelope, failed, message));
            LOG.info("{}: bounce {} sent to <{}>", queueId, bounceId, envelope.reversePath);
        } catch (DeliveryException e) {
            if (!e.isPermanent()) {
                throw new IOException("cannot queue the bounce now: " + e.getMessage(), e);
            }
            LOG.warn("{}: the bounce to <{}> cannot be delivered ({}); dropped", queueId, envelope.reversePath, e.getMessage());
        }
    }

    static long[] intervals(int[] seconds) {
        long[] millis = new long[Math.max(seconds.length, 1)];
        millis[0] = 300_000;
        for (int i = 0; i < seconds.length; i++) {
            millis[i] = Math.max(1, seconds[i]) * 1000L;
        }
        return millis;
    }

}
