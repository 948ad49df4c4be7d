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
import smtp.delivery.api.QueuedMessageDTO;
import smtp.delivery.api.RecipientStatus;

/**
 * The SMTP Delivery service. {@link #deliver} stores the message in the spool
 * and returns; the {@link DeliveryQueue} then delivers it: locally into
 * Maildirs, to other domains over SMTP, with retries and bounces.
 * <p>
 * It is the {@link MailQueue} too. Gogo commands: {@code delivery:queue},
 * {@code delivery:show <id>}, {@code delivery:retry <id>},
 * {@code delivery:remove <id>} and
 * {@code delivery:send <from> <to> <subject> <text>}.
 */
@Component(
        configurationPid = DeliveryService.PID,
        immediate = true, // its queue works the spool whether or not anyone uses the service
        service = {MailDelivery.class, MailQueue.class},
        property = {"osgi.command.scope=delivery", "osgi.command.function=queue", "osgi.command.function=show",
            "osgi.command.function=retry", "osgi.command.function=remove", "osgi.command.function=send"})
@Designate(ocd = DeliveryConfiguration.class)
public final class DeliveryService implements MailDelivery, MailQueue, DeliveryQueue.Outcomes {

    static final String PID = "smtp.delivery";

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);
    private static final Pattern QUEUE_ID = Pattern.compile("[A-Za-z0-9]{1,64}");

    private final Spool spool;
    private final Mailboxes mailboxes;
    private final QueueIds queueIds = new QueueIds();
    private final DeliveryQueue queue;
    private final String hostName;
    private final boolean directLocalDelivery;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    @Activate
    public DeliveryService(DeliveryConfiguration config) throws Exception {
        Path spoolDirectory = Paths.get(config.spoolDirectory()).toAbsolutePath();
        this.spool = new Spool(spoolDirectory);
        this.mailboxes = new Mailboxes(Paths.get(config.mailboxRoot()).toAbsolutePath(), config.localDomains());
        for (String mailbox : config.mailboxes()) {
            mailboxes.create(mailbox.trim());
        }
        this.hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName().trim();
        this.directLocalDelivery = config.directLocalDelivery();
        Relay.Tls tls;
        try {
            tls = Relay.Tls.valueOf(config.outboundTls().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("outboundTls '" + config.outboundTls()
                    + "' is not one of opportunistic, required, none; fix " + PID);
        }
        Relay relay = new Relay(new Relay.Settings(hostName,
                new Routes(config.smarthost(), config.dnsResolver(), config.mxPort()), tls,
                config.trustedCertificates().isBlank() ? null : Paths.get(config.trustedCertificates()),
                config.smarthostUser().trim(), config._smarthostPassword(), config.timeout() * 1000));
        this.queue = new DeliveryQueue(spool, mailboxes, relay, new DeliveryQueue.Settings(hostName,
                DeliveryQueue.intervals(config.retryIntervals()), config.maxQueueTime() * 3_600_000L,
                config.maxOutboundConnections(), config.maxConnectionsPerDestination()), this::submit, this);
        List<String> pending = spool.recover();
        LOG.info("Delivery service started: spool {}, mailboxes {}, local domains {}, other domains via {}, {} message(s) "
                + "to resume", spoolDirectory, config.mailboxRoot(), mailboxes.localDomains(),
                config.smarthost().isBlank() ? "their MX hosts" : "smarthost " + config.smarthost(), pending.size());
        queue.resume(pending);
    }

    @Deactivate
    void stop() throws InterruptedException {
        queue.stop();
    }

    @Override
    public String deliver(Envelope envelope, InputStream content) throws DeliveryException, IOException {
        Envelope accepted = validate(envelope);
        boolean allLocal = true;
        for (String recipient : accepted.recipients) {
            RecipientStatus status = mailboxes.status(recipient);
            if (status == RecipientStatus.UNKNOWN) {
                throw new DeliveryException("<" + recipient + ">: no such mailbox here", true);
            }
            allLocal &= status == RecipientStatus.LOCAL;
        }
        if (allLocal && directLocalDelivery) {
            deliverLocally(accepted, content);
            return accepted.queueId;
        }
        try {
            spool.store(accepted, content);
        } catch (UncheckedIOException e) {
            LOG.error("Cannot store message {} in the spool", accepted.queueId, e.getCause());
            throw new DeliveryException("cannot store the message now, try again later", false, e.getCause());
        }
        queue.runNow(accepted.queueId);
        return accepted.queueId;
    }

    /** Writes a message straight into the Maildirs of its recipients, all local, before the 250. */
    private void deliverLocally(Envelope envelope, InputStream content) throws DeliveryException, IOException {
        Map<Path, Maildir.Target> targets = new LinkedHashMap<>(); // one copy per Maildir, whatever the spelling
        for (String recipient : envelope.recipients) {
            Path mailbox = mailboxes.pathOf(recipient);
            targets.putIfAbsent(mailbox, new Maildir.Target(recipient, mailbox));
        }
        try {
            Maildir.deliver(new ArrayList<>(targets.values()), Maildir.fileName(envelope.receivedAt, envelope.queueId, hostName),
                    envelope.reversePath, content, spool);
        } catch (UncheckedIOException e) {
            LOG.error("Cannot deliver message {} into the mailboxes of {}", envelope.queueId, envelope.recipients, e.getCause());
            throw new DeliveryException("cannot store the message now, try again later", false, e.getCause());
        }
        for (String recipient : envelope.recipients) {
            Path mailbox = mailboxes.pathOf(recipient);
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
        List<QueuedMessageDTO> messages = new ArrayList<>();
        try {
            for (String queueId : spool.recover()) {
                QueuedMessageDTO message = get(queueId);
                if (message != null) {
                    messages.add(message);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        messages.sort(java.util.Comparator.comparingLong(m -> m.receivedAt));
        return messages;
    }

    @Override
    public QueuedMessageDTO get(String queueId) {
        if (queueId == null || !QUEUE_ID.matcher(queueId).matches() || !spool.contains(queueId)) {
            return null;
        }
        try {
            EnvelopeFile.Spooled spooled = spool.spooled(queueId);
            QueuedMessageDTO message = new QueuedMessageDTO();
            message.queueId = queueId;
            message.sender = spooled.envelope().reversePath;
            message.recipients = new ArrayList<>(spooled.envelope().recipients);
            message.receivedAt = spooled.envelope().receivedAt;
            message.attempts = spooled.state().attempts();
            message.nextAttempt = spooled.state().nextAttempt();
            message.lastError = spooled.state().lastError();
            return message;
        } catch (IOException e) {
            return null; // delivered and removed while being read
        }
    }

    @Override
    public boolean retryNow(String queueId) {
        if (get(queueId) == null) {
            return false;
        }
        queue.runNow(queueId);
        return true;
    }

    @Override
    public boolean delete(String queueId) {
        if (get(queueId) == null) {
            return false;
        }
        try {
            spool.remove(queueId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info("{}: deleted from the queue by an operator", queueId);
        return true;
    }

    /** Gogo {@code delivery:queue}: the queued messages, their pending recipients and state. */
    public String queue() {
        StringBuilder out = new StringBuilder();
        List<QueuedMessageDTO> messages = list();
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
        return delete(queueId) ? queueId + ": deleted" : "no message " + queueId + " in the queue";
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
        EventAdmin events = eventAdmin;
        if (events == null) {
            return;
        }
        Map<String, Object> properties = new HashMap<>(extra);
        properties.put(DeliveryEvents.TIMESTAMP, System.currentTimeMillis());
        properties.put(DeliveryEvents.QUEUE_ID, queueId);
        properties.put(DeliveryEvents.RECIPIENT, recipient);
        properties.put(DeliveryEvents.SENDER, envelope.reversePath);
        properties.put(DeliveryEvents.ATTEMPTS, attempts);
        if (detail != null) {
            properties.put(DeliveryEvents.DETAIL, detail);
        }
        events.postEvent(new Event(topic, properties));
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

    private String line(String queueId) throws IOException {
        EnvelopeFile.Spooled spooled = spool.spooled(queueId);
        Envelope envelope = spooled.envelope();
        return String.format("%-20s %s  from <%s>  to %s%s", queueId, Instant.ofEpochMilli(envelope.receivedAt),
                envelope.reversePath, envelope.recipients,
                spooled.state().attempts() == 0 ? "" : "  (" + spooled.state().attempts() + " attempts; " + spooled.state().lastError() + ")");
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
        if (spool.contains(out.queueId)) {
            throw new DeliveryException("queue id " + out.queueId + " is already in use", false);
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
        return out;
    }

    private static String printable(String text) {
        return text == null ? "null" : text.replaceAll("\\p{Cntrl}", "?");
    }
}
