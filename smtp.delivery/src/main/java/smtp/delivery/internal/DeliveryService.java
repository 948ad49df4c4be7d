package smtp.delivery.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryEvents;
import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;
import smtp.delivery.api.MailDelivery;
import smtp.delivery.api.MailQueue;
import smtp.delivery.api.QueueStatusDTO;
import smtp.delivery.api.QueuedMessageDTO;
import smtp.delivery.api.RecipientStatus;
import smtp.delivery.spi.QueueEntryDTO;
import smtp.delivery.spi.QueueStore;
import smtp.eventqueue.EventQueue;
import smtp.storage.DirectorySync;

/**
 * The SMTP Delivery service. {@link #deliver} writes a message for local
 * recipients only straight into their Maildirs ({@code directLocalDelivery});
 * every other message goes into the queue's store ({@link QueueStore}: the
 * Artemis queue or the file spool), from which the {@link DeliveryWorker}
 * delivers it: locally into Maildirs, to other domains over SMTP, with retries
 * and bounces.
 * <p>
 * It is the {@link MailQueue} too, over the whole store. Gogo commands:
 * {@code delivery:queue}, {@code delivery:show <id>}, {@code delivery:retry <id>},
 * {@code delivery:remove <id>} and
 * {@code delivery:send <from> <to> <subject> <text>}.
 */
@Component(
        configurationPid = DeliveryService.PID,
        immediate = true, // its workers take messages from the queue whether or not anyone uses the service
        service = {MailDelivery.class, MailQueue.class},
        property = {"osgi.command.scope=delivery", "osgi.command.function=queue", "osgi.command.function=show",
            "osgi.command.function=retry", "osgi.command.function=remove", "osgi.command.function=send"})
@Designate(ocd = DeliveryConfiguration.class)
public final class DeliveryService implements MailDelivery, MailQueue, DeliveryWorker.Outcomes {

    static final String PID = "smtp.delivery";

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);
    private static final Pattern QUEUE_ID = Pattern.compile("[A-Za-z0-9]{1,64}");
    private static final Pattern DSN_NOTIFY = Pattern.compile("NEVER|(SUCCESS|FAILURE|DELAY)(,(SUCCESS|FAILURE|DELAY)){0,2}");

    private final QueueStore store;
    private final Mailboxes mailboxes;
    private final DirectorySync.Directories directories = new DirectorySync.Directories();
    private final ReadyFiles ready = new ReadyFiles();
    private final QueueIds queueIds = new QueueIds();
    private final Connections connections;
    private final AutoCloseable consumption;
    private final boolean directLocalDelivery;

    /** Hands the delivery events to the EventAdmin bound now, if there is one, in order ({@link EventQueue}). */
    private volatile EventQueue events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeEventAdmin")
    synchronized void addEventAdmin(EventAdmin eventAdmin) throws InterruptedException {
        EventQueue previous = events;
        events = new EventQueue(eventAdmin, "smtp-delivery-events");
        if (previous != null) {
            previous.close();
        }
    }

    synchronized void removeEventAdmin(EventAdmin eventAdmin) throws InterruptedException {
        EventQueue queue = events;
        if (queue != null && queue.deliversTo(eventAdmin)) { // not when a greedy rebind replaced it already
            events = null;
            queue.close();
        }
    }

    @Activate
    public DeliveryService(DeliveryConfiguration config,
            @Reference(name = "store", policyOption = ReferencePolicyOption.GREEDY) QueueStore store) throws Exception {
        this.store = store;
        this.mailboxes = new Mailboxes(Paths.get(config.mailboxRoot()).toAbsolutePath(), config.localDomains());
        for (String mailbox : config.mailboxes()) {
            mailboxes.create(mailbox.trim());
        }
        Path root = Paths.get(config.mailboxRoot()).toAbsolutePath();
        long now = System.currentTimeMillis();
        int stale = Maildir.removeStale(root, now);
        if (stale > 0) {
            LOG.info("Removed {} file(s) older than a day from the tmp/ folders of the Maildirs: left by writers that died",
                    stale);
        }
        ReadyFiles.Recovered recovered = ReadyFiles.recover(root, now);
        if (recovered.moved() > 0) {
            LOG.info("Moved {} message(s) into new/ that were written and forced to disk in tmp/ready/ before a crash",
                    recovered.moved());
        }
        if (recovered.removed() > 0) {
            LOG.info("Removed {} file(s) from tmp/ready/: messages cut off before their 250, and files made ahead "
                    + "by instances that ended", recovered.removed());
        }
        String hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName().trim();
        this.directLocalDelivery = config.directLocalDelivery();
        Relay.Tls tls;
        try {
            tls = Relay.Tls.valueOf(config.outboundTls().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("outboundTls '" + config.outboundTls()
                    + "' is not one of opportunistic, required, none; fix " + PID);
        }
        this.connections = new Connections(config.connectionIdleTime() * 1000L, CONNECTION_MAX_AGE_MILLIS);
        Relay relay = new Relay(new Relay.Settings(hostName,
                new Routes(config.smarthost(), config.dnsResolver(), config.mxPort()), tls,
                config.trustedCertificates().isBlank() ? null : Paths.get(config.trustedCertificates()),
                config.smarthostUser().trim(), config._smarthostPassword(), config.timeout() * 1000), connections);
        DeliveryWorker worker = new DeliveryWorker(mailboxes, directories, relay, new DeliveryWorker.Settings(hostName,
                DeliveryWorker.intervals(config.retryIntervals()), config.maxQueueTime() * 3_600_000L,
                config.maxConnectionsPerDestination(), config.delayNotice() * 1000L), this::submit, this);
        QueueStatusDTO status = store.status();
        LOG.info("Delivery service started: queue in {} ({}), mailboxes {}, local domains {}, other domains via {}",
                status.store, status.location, config.mailboxRoot(), mailboxes.localDomains(),
                config.smarthost().isBlank() ? "their MX hosts" : "smarthost " + config.smarthost());
        this.consumption = store.consume(worker, config.maxOutboundConnections());
    }

    /** How long an outbound connection may serve one message after another. */
    static final long CONNECTION_MAX_AGE_MILLIS = 300_000;

    @Deactivate
    void stop() throws Exception {
        try {
            consumption.close();
        } finally {
            try {
                connections.close();
            } finally {
                ready.close();
            }
        }
    }

    @Override
    public String postmaster() {
        return mailboxes.postmaster();
    }

    @Override
    public String deliver(Envelope envelope, InputStream content) throws DeliveryException, IOException {
        Envelope accepted = validate(envelope);
        // with a next hop, every recipient goes there, whatever its domain
        boolean allLocal = accepted.nextHop == null;
        for (String recipient : accepted.nextHop == null ? accepted.recipients : List.<String>of()) {
            RecipientStatus status = mailboxes.status(recipient);
            if (status == RecipientStatus.UNKNOWN) {
                throw new DeliveryException("<" + recipient + ">: no such mailbox here", true);
            }
            allLocal &= status == RecipientStatus.LOCAL;
        }
        // a sender that wants to be told of the delivery (NOTIFY=SUCCESS) gets its report from the queue's worker
        boolean reportWanted = accepted.recipients.stream()
                .anyMatch(r -> StatusReport.wanted(accepted, r, StatusReport.Action.DELIVERED));
        if (allLocal && directLocalDelivery && !reportWanted) {
            deliverLocally(accepted, content);
            return accepted.queueId;
        }
        QueueEntryDTO entry = new QueueEntryDTO();
        entry.queueId = accepted.queueId;
        entry.sender = accepted.reversePath;
        entry.recipients = new ArrayList<>(accepted.recipients);
        entry.receivedAt = accepted.receivedAt;
        entry.envelope = EnvelopeCodec.encode(accepted);
        store.store(entry, content);
        return accepted.queueId;
    }

    /** Writes a message straight into the Maildirs of its recipients, all local, before the 250. */
    private void deliverLocally(Envelope envelope, InputStream content) throws DeliveryException, IOException {
        Map<Path, Maildir.Target> targets = new LinkedHashMap<>(); // one copy per Maildir, whatever the spelling
        List<Path> paths = new ArrayList<>(envelope.recipients.size());
        for (String recipient : envelope.recipients) {
            Path mailbox = mailboxes.pathOf(recipient);
            paths.add(mailbox);
            targets.putIfAbsent(mailbox, new Maildir.Target(recipient, mailbox));
        }
        try {
            Maildir.deliver(new ArrayList<>(targets.values()), Maildir.fileName(envelope.receivedAt, envelope.queueId),
                    envelope.reversePath, content, directories, ready);
        } catch (UncheckedIOException e) {
            LOG.error("Cannot deliver message {} into the mailboxes of {}", envelope.queueId, envelope.recipients, e.getCause());
            throw new DeliveryException("cannot store the message now, try again later", false, e.getCause());
        }
        for (int i = 0; i < paths.size(); i++) {
            String recipient = envelope.recipients.get(i);
            Path mailbox = paths.get(i);
            LOG.info("{}: delivered to <{}> in {}", envelope.queueId, recipient, mailbox);
            delivered(envelope.queueId, envelope, recipient, "local", mailbox.toString(), 1);
        }
    }

    private String submit(Envelope envelope, byte[] content) throws DeliveryException, IOException {
        return deliver(envelope, new ByteArrayInputStream(content));
    }

    @Override
    public RecipientStatus checkRecipient(String address) {
        return mailboxes.status(address);
    }

    @Override
    public List<QueuedMessageDTO> list() {
        return asked(() -> store.list().stream().map(DeliveryService::queued).toList());
    }

    @Override
    public QueuedMessageDTO get(String queueId) {
        if (queueId == null || !QUEUE_ID.matcher(queueId).matches()) {
            return null;
        }
        QueueEntryDTO entry = asked(() -> store.get(queueId));
        if (entry == null) {
            return null;
        }
        QueuedMessageDTO message = queued(entry);
        message.headers = entry.headers;
        return message;
    }

    private static QueuedMessageDTO queued(QueueEntryDTO entry) {
        QueuedMessageDTO message = new QueuedMessageDTO();
        message.queueId = entry.queueId;
        message.sender = entry.sender;
        message.recipients = new ArrayList<>(entry.recipients);
        message.receivedAt = entry.receivedAt;
        message.attempts = entry.attempts;
        message.nextAttempt = entry.nextAttempt;
        message.lastError = entry.lastError;
        return message;
    }

    @Override
    public boolean retryNow(String queueId) {
        return queueId != null && QUEUE_ID.matcher(queueId).matches() && asked(() -> store.retryNow(queueId));
    }

    @Override
    public boolean delete(String queueId) {
        if (queueId == null || !QUEUE_ID.matcher(queueId).matches() || !asked(() -> store.delete(queueId))) {
            return false;
        }
        LOG.info("{}: deleted from the queue by an operator", queueId);
        return true;
    }

    @Override
    public QueueStatusDTO status() {
        return store.status();
    }

    private interface StoreQuestion<T> {
        T ask() throws DeliveryException;
    }

    /** The store's answer; a store that cannot be asked now is an IllegalStateException saying why. */
    private static <T> T asked(StoreQuestion<T> question) {
        try {
            return question.ask();
        } catch (DeliveryException e) {
            throw new IllegalStateException("the queue cannot be asked now: " + e.getMessage(), e);
        }
    }

    /** Gogo {@code delivery:queue}: the queued messages, their pending recipients and state. */
    public String queue() {
        QueueStatusDTO status = status();
        StringBuilder out = new StringBuilder("queue store: " + status.store + " (" + status.location + ")"
                + (status.available ? "" : ", not taking mail: " + status.problem) + System.lineSeparator());
        List<QueuedMessageDTO> messages;
        try {
            messages = list();
        } catch (IllegalStateException e) {
            return out.append(e.getMessage()).toString();
        }
        for (QueuedMessageDTO m : messages) {
            out.append(String.format("%-20s %s  from <%s>  to %s%s%n", m.queueId, Instant.ofEpochMilli(m.receivedAt),
                    m.sender, m.recipients, m.attempts == 0 ? "" : "  (" + m.attempts + " attempts; " + m.lastError + ")"));
        }
        return out.append(messages.size()).append(" message(s) queued").toString();
    }

    /** Gogo {@code delivery:show <id>}: one queued message in full. */
    public String show(String queueId) {
        QueuedMessageDTO m = get(queueId);
        if (m == null) {
            return "no message " + queueId + " in the queue";
        }
        return String.join(System.lineSeparator(), "queue id:      " + queueId,
                "received:      " + Instant.ofEpochMilli(m.receivedAt), "sender:        <" + m.sender + ">",
                "recipients:    " + m.recipients, "attempts:      " + m.attempts,
                "next attempt:  " + (m.attempts == 0 ? "now" : Instant.ofEpochMilli(m.nextAttempt)),
                "last error:    " + m.lastError);
    }

    /** Gogo {@code delivery:retry <id>}: try a queued message again now. */
    public String retry(String queueId) {
        return retryNow(queueId) ? queueId + ": trying again now" : "no message " + queueId + " in the queue";
    }

    /** Gogo {@code delivery:remove <id>}: remove a queued message, without a bounce. */
    public String remove(String queueId) {
        return delete(queueId) ? queueId + ": deleted"
                : get(queueId) != null ? queueId + " is being delivered now; try again in a moment"
                : "no message " + queueId + " in the queue";
    }

    @Override
    public void delivered(String queueId, Envelope envelope, String recipient, String transport, String detail, int attempts) {
        post(DeliveryEvents.DELIVERED, queueId, envelope, recipient, detail, attempts, Map.of(DeliveryEvents.TRANSPORT, transport));
    }

    @Override
    public void deferred(String queueId, Envelope envelope, String recipient, String detail, int attempts, long nextAttempt) {
        post(DeliveryEvents.DEFERRED, queueId, envelope, recipient, detail, attempts, Map.of(DeliveryEvents.NEXT_ATTEMPT, nextAttempt));
    }

    @Override
    public void bounced(String queueId, Envelope envelope, String recipient, String detail, int attempts) {
        post(DeliveryEvents.BOUNCED, queueId, envelope, recipient, detail, attempts, Map.of());
    }

    private void post(String topic, String queueId, Envelope envelope, String recipient, String detail, int attempts,
            Map<String, Object> extra) {
        EventQueue queue = events;
        if (queue == null) {
            return;
        }
        Map<String, Object> properties = new HashMap<>(extra);
        properties.put(DeliveryEvents.TIMESTAMP, System.currentTimeMillis());
        properties.put(DeliveryEvents.QUEUE_ID, queueId);
        properties.put(DeliveryEvents.RECIPIENT, recipient);
        properties.put(DeliveryEvents.SENDER, envelope.reversePath);
        properties.put(DeliveryEvents.ATTEMPTS, attempts);
        properties.put(DeliveryEvents.RECEIVED_AT, envelope.receivedAt);
        if (detail != null) {
            properties.put(DeliveryEvents.DETAIL, detail);
        }
        queue.post(new Event(topic, properties));
    }

    /** Gogo: sends a short text message through this service, with no SMTP server involved. */
    public String send(String from, String to, String subject, String text) throws DeliveryException, IOException {
        Envelope envelope = new Envelope();
        envelope.reversePath = from;
        envelope.recipients = List.of(to);
        String message = "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: " + subject.replaceAll("\\p{Cntrl}", " ")
                + "\r\n\r\n" + text.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n";
        return "queued as " + deliver(envelope, new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    private Envelope validate(Envelope in) throws DeliveryException {
        if (in == null || in.recipients == null || in.recipients.isEmpty()) {
            throw new DeliveryException("the envelope has no recipient", true);
        }
        Envelope out = new Envelope();
        out.queueId = in.queueId == null ? queueIds.next() : in.queueId;
        if (!QUEUE_ID.matcher(out.queueId).matches()) {
            throw new DeliveryException("queue id '" + in.queueId + "' is not 1 to 64 letters and digits", true);
        }
        out.reversePath = in.reversePath == null ? "" : in.reversePath;
        if (!out.reversePath.isEmpty() && !Addresses.isValid(out.reversePath)) {
            throw new DeliveryException("reverse path <" + printable(out.reversePath) + "> is not a valid address", true);
        }
        Set<String> recipients = new LinkedHashSet<>();
        for (String recipient : in.recipients) {
            if (!Addresses.isValid(recipient)) {
                throw new DeliveryException("recipient <" + printable(recipient) + "> is not a valid address", true);
            }
            recipients.add(recipient);
        }
        out.recipients = new ArrayList<>(recipients);
        for (String text : new String[] {in.clientAddress, in.heloName, in.authenticatedUser}) {
            if (text != null && !Addresses.isPrintable(text)) {
                throw new DeliveryException("the envelope holds a control character", true);
            }
        }
        out.clientAddress = in.clientAddress;
        out.heloName = in.heloName;
        out.authenticatedUser = in.authenticatedUser;
        out.tls = in.tls;
        out.receivedAt = in.receivedAt > 0 ? in.receivedAt : System.currentTimeMillis();
        out.body = oneOf(in.body, "body", "7BIT", Envelope.BODY_8BITMIME, Envelope.BODY_BINARYMIME);
        out.smtputf8 = in.smtputf8;
        out.requireTls = in.requireTls;
        out.tlsOptional = in.tlsOptional;
        out.dsnReturn = oneOf(in.dsnReturn, "DSN RET", "FULL", "HDRS");
        out.dsnEnvelopeId = xtext(in.dsnEnvelopeId, "DSN ENVID");
        if (in.nextHop != null) {
            try {
                Routes.nextHop(in.nextHop);
            } catch (Routes.RouteException e) {
                throw new DeliveryException("next hop '" + printable(in.nextHop) + "' is not an IP address and port", true);
            }
            out.nextHop = in.nextHop;
        }
        for (String recipient : out.recipients) {
            String notify = in.dsnNotify == null ? null : in.dsnNotify.get(recipient);
            if (notify != null) {
                if (!DSN_NOTIFY.matcher(notify).matches()) {
                    throw new DeliveryException("DSN NOTIFY '" + printable(notify) + "' of <" + printable(recipient)
                            + "> is not NEVER or a list of SUCCESS, FAILURE, DELAY", true);
                }
                out.dsnNotify.put(recipient, notify);
            }
            String original = xtext(in.dsnOriginalRecipient == null ? null : in.dsnOriginalRecipient.get(recipient),
                    "DSN ORCPT");
            if (original != null) {
                out.dsnOriginalRecipient.put(recipient, original);
            }
        }
        return out;
    }

    private static String oneOf(String value, String what, String... allowed) throws DeliveryException {
        if (value == null) {
            return null;
        }
        for (String one : allowed) {
            if (one.equalsIgnoreCase(value)) {
                return one;
            }
        }
        throw new DeliveryException(what + " '" + printable(value) + "' is not one of " + String.join(", ", allowed), true);
    }

    /** @return the value if it is printable ASCII without spaces (xtext, RFC 3461 4), at most 500 characters */
    private static String xtext(String value, String what) throws DeliveryException {
        if (value == null) {
            return null;
        }
        if (value.length() > 500 || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new DeliveryException(what + " '" + printable(value) + "' is not xtext", true);
        }
        return value;
    }

    private static String printable(String text) {
        return text == null ? "null" : text.replaceAll("\\p{Cntrl}", "?");
    }
}
