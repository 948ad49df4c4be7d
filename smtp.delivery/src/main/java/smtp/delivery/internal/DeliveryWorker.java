package smtp.delivery.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;
import smtp.delivery.spi.MessageContent;
import smtp.delivery.spi.QueueEntryDTO;
import smtp.delivery.spi.QueueWorker;
import smtp.storage.DirectorySync;

/**
 * Works the queue's messages: delivers local recipients into their Maildirs
 * and relays the others, grouped by destination domain, with a limit of
 * connections per destination; gives deferred recipients the time of their
 * next attempt (by the retry schedule); fails recipients whose message outlived
 * the maximum queue time; and sends the sender the delivery status
 * notifications it asked for (RFC 3461): a bounce for every failed recipient
 * unless NOTIFY says otherwise, "delivered" and "relayed" reports for
 * NOTIFY=SUCCESS, one "delayed" report for NOTIFY=DELAY (never to the null
 * sender). A report is in the queue before the original's entry changes, so a
 * crash can repeat one but never lose one.
 */
final class DeliveryWorker implements QueueWorker {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);
    /** How long a message waits for a connection to a busy destination before it is put back for a moment. */
    static final long BUSY_WAIT_MILLIS = 1000;
    static final long BUSY_RETRY_MILLIS = 2000;

    /** Settings of the worker. */
    /**
     * @param delayNoticeMillis how long a message waits for a recipient before the sender, if it asked with
     *        NOTIFY=DELAY, is told (once); 0: never
     */
    record Settings(String hostName, long[] retryIntervalsMillis, long maxQueueMillis, int maxConnectionsPerDestination,
            long delayNoticeMillis) {}

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

    private final Mailboxes mailboxes;
    private final DirectorySync.Directories directories;
    private final Relay relay;
    private final Settings settings;
    private final Submitter submitter;
    private final Outcomes outcomes;
    private final Map<String, Semaphore> perDestination = new ConcurrentHashMap<>();

    DeliveryWorker(Mailboxes mailboxes, DirectorySync.Directories directories, Relay relay, Settings settings,
            Submitter submitter, Outcomes outcomes) {
        this.mailboxes = mailboxes;
        this.directories = directories;
        this.relay = relay;
        this.settings = settings;
        this.submitter = submitter;
        this.outcomes = outcomes;
    }

    @Override
    public QueueEntryDTO deliver(QueueEntryDTO entry, MessageContent message) throws IOException, InterruptedException {
        String queueId = entry.queueId;
        Envelope envelope = EnvelopeCodec.decode(entry.envelope);
        int attempt = entry.attempts + 1;
        List<String> deferred = new ArrayList<>();
        List<StatusReport.Entry> failed = new ArrayList<>();
        List<StatusReport.Entry> delivered = new ArrayList<>();
        List<StatusReport.Entry> relayed = new ArrayList<>();
        String lastError = null;
        boolean onlyBusy = true; // deferred only because a destination had all its connections in use
        Map<String, List<String>> remote = new LinkedHashMap<>();
        String name = Maildir.fileName(envelope.receivedAt, queueId);
        for (String recipient : entry.recipients) {
            if (envelope.nextHop != null) { // every recipient to the server an intercepted client meant to reach
                remote.computeIfAbsent(envelope.nextHop, d -> new ArrayList<>()).add(recipient);
                continue;
            }
            switch (mailboxes.status(recipient)) {
                case LOCAL -> {
                    Path mailbox = mailboxes.pathOf(recipient);
                    if (Maildir.contains(mailbox, name, entry.redelivered)) {
                        LOG.info("{}: already in the mailbox of <{}>", queueId, recipient);
                    } else {
                        Maildir.deliver(mailbox, name, message, envelope.reversePath, recipient, directories);
                        LOG.info("{}: delivered to <{}> in {}", queueId, recipient, mailbox);
                        outcomes.delivered(queueId, envelope, recipient, "local", mailbox.toString(), attempt);
                        delivered.add(new StatusReport.Entry(recipient, "2.0.0 delivered to the mailbox"));
                    }
                }
                case UNKNOWN -> failed.add(new StatusReport.Entry(recipient, "5.1.1 the mailbox no longer exists"));
                case REMOTE -> remote.computeIfAbsent(Addresses.domain(recipient), d -> new ArrayList<>()).add(recipient);
            }
        }
        for (Map.Entry<String, List<String>> destination : remote.entrySet()) {
            Semaphore permits = perDestination.computeIfAbsent(destination.getKey(),
                    d -> new Semaphore(settings.maxConnectionsPerDestination()));
            if (!permits.tryAcquire(BUSY_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
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
                            outcomes.delivered(queueId, envelope, recipient, "smtp", detail, attempt);
                            if (!outcome.getValue().dsnPassedOn()) { // the next server will not report: we do
                                relayed.add(new StatusReport.Entry(recipient, detail));
                            }
                        }
                        case FAILED -> failed.add(new StatusReport.Entry(recipient, detail));
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
        long now = System.currentTimeMillis();
        if (!deferred.isEmpty() && now - envelope.receivedAt >= settings.maxQueueMillis()) {
            for (String recipient : deferred) {
                failed.add(new StatusReport.Entry(recipient, "4.4.7 message expired after "
                        + (settings.maxQueueMillis() / 3_600_000) + " hours in the queue; last error: " + lastError));
            }
            deferred.clear();
        }
        failed.forEach(failure -> LOG.warn("{}: <{}> failed: {}", queueId, failure.recipient(), failure.detail()));
        report(queueId, envelope, StatusReport.Action.FAILED, failed, message);
        report(queueId, envelope, StatusReport.Action.DELIVERED, delivered, message);
        report(queueId, envelope, StatusReport.Action.RELAYED, relayed, message);
        failed.forEach(failure -> outcomes.bounced(queueId, envelope, failure.recipient(), failure.detail(), attempt));
        if (deferred.isEmpty()) {
            return null;
        }
        String envelopeText = entry.envelope;
        if (!EnvelopeCodec.delayNoticeSent(envelopeText) && settings.delayNoticeMillis() > 0
                && now - envelope.receivedAt >= settings.delayNoticeMillis() && !onlyBusy) {
            List<StatusReport.Entry> delayed = new ArrayList<>();
            for (String recipient : deferred) {
                delayed.add(new StatusReport.Entry(recipient, lastError));
            }
            report(queueId, envelope, StatusReport.Action.DELAYED, delayed, message);
            envelopeText = EnvelopeCodec.withDelayNoticeSent(envelopeText); // once per message: kept with the entry
        }
        // a busy destination is no failed attempt: try again soon
        int attempts = onlyBusy ? entry.attempts : attempt;
        long[] intervals = settings.retryIntervalsMillis();
        long next = onlyBusy ? now + BUSY_RETRY_MILLIS : now + intervals[Math.min(attempts, intervals.length) - 1];
        QueueEntryDTO remains = new QueueEntryDTO();
        remains.queueId = queueId;
        remains.sender = entry.sender;
        remains.recipients = deferred;
        remains.receivedAt = entry.receivedAt;
        remains.attempts = attempts;
        remains.nextAttempt = next;
        remains.lastError = lastError;
        remains.envelope = envelopeText;
        if (!onlyBusy) {
            for (String recipient : deferred) {
                outcomes.deferred(queueId, envelope, recipient, lastError, attempts, next);
            }
        }
        LOG.info("{}: deferred for {} (attempt {}): {}; next attempt in {} s", queueId, deferred, attempts, lastError,
                (next - now) / 1000);
        return remains;
    }

    /**
     * Sends the sender a report about the recipients that want one of this action (see
     * {@link StatusReport#wanted}); never to the null sender. The report is in the queue before the entry changes.
     */
    private void report(String queueId, Envelope envelope, StatusReport.Action action, List<StatusReport.Entry> entries,
            MessageContent message) throws IOException {
        List<StatusReport.Entry> wanted = new ArrayList<>();
        for (StatusReport.Entry entry : entries) {
            if (StatusReport.wanted(envelope, entry.recipient(), action)) {
                wanted.add(entry);
            } else if (action == StatusReport.Action.FAILED) {
                LOG.info("{}: no bounce for <{}>: the sender asked for none (NOTIFY={})", queueId, entry.recipient(),
                        envelope.dsnNotify.get(entry.recipient()));
            }
        }
        if (wanted.isEmpty()) {
            return;
        }
        if (envelope.reversePath.isEmpty()) {
            LOG.warn("{}: no {} report for a message with the null sender", queueId, action.field);
            return;
        }
        Envelope notice = new Envelope();
        notice.reversePath = "";
        notice.recipients = List.of(envelope.reversePath);
        notice.receivedAt = System.currentTimeMillis();
        notice.smtputf8 = !Addresses.isAscii(envelope.reversePath);
        try {
            String reportId = submitter.submit(notice,
                    StatusReport.create(settings.hostName(), queueId, envelope, action, wanted, message));
            LOG.info("{}: {} report {} sent to <{}>", queueId, action.field, reportId, envelope.reversePath);
        } catch (DeliveryException e) {
            if (!e.isPermanent()) {
                throw new IOException("cannot queue the " + action.field + " report now: " + e.getMessage(), e);
            }
            LOG.warn("{}: the {} report to <{}> cannot be delivered ({}); dropped", queueId, action.field,
                    envelope.reversePath, e.getMessage());
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
