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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;
import smtp.delivery.api.MailDelivery;
import smtp.delivery.api.RecipientStatus;

/**
 * The SMTP Delivery service. {@link #deliver} stores the message in the spool
 * and returns; the {@link DeliveryQueue} then delivers it: locally into
 * Maildirs, to other domains over SMTP, with retries and bounces.
 * <p>
 * Gogo commands: {@code delivery:queue}, {@code delivery:show <id>},
 * {@code delivery:retry <id>}, {@code delivery:delete <id>} and
 * {@code delivery:send <from> <to> <subject> <text>}.
 */
@Component(
        configurationPid = DeliveryService.PID,
        immediate = true, // its queue works the spool whether or not anyone uses the service
        property = {"osgi.command.scope=delivery", "osgi.command.function=queue", "osgi.command.function=show",
            "osgi.command.function=retry", "osgi.command.function=delete", "osgi.command.function=send"})
@Designate(ocd = DeliveryConfiguration.class)
public final class DeliveryService implements MailDelivery {

    static final String PID = "smtp.delivery";

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);
    private static final Pattern QUEUE_ID = Pattern.compile("[A-Za-z0-9]{1,64}");

    private final Spool spool;
    private final Mailboxes mailboxes;
    private final QueueIds queueIds = new QueueIds();
    private final DeliveryQueue queue;

    @Activate
    public DeliveryService(DeliveryConfiguration config) throws Exception {
        Path spoolDirectory = Paths.get(config.spoolDirectory()).toAbsolutePath();
        this.spool = new Spool(spoolDirectory);
        this.mailboxes = new Mailboxes(Paths.get(config.mailboxRoot()).toAbsolutePath(), config.localDomains());
        for (String mailbox : config.mailboxes()) {
            mailboxes.create(mailbox.trim());
        }
        String hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName().trim();
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
                config.maxOutboundConnections(), config.maxConnectionsPerDestination()), this::submit);
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
        for (String recipient : accepted.recipients) {
            if (mailboxes.status(recipient) == RecipientStatus.UNKNOWN) {
                throw new DeliveryException("<" + recipient + ">: no such mailbox here", true);
            }
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

    private String submit(Envelope envelope, byte[] content) throws DeliveryException, IOException {
        return deliver(envelope, new ByteArrayInputStream(content));
    }

    @Override
    public RecipientStatus checkRecipient(String address) {
        return mailboxes.status(address);
    }

    /** Gogo: the messages in the spool, their pending recipients and state. */
    public String queue() throws IOException {
        StringBuilder out = new StringBuilder();
        int count = 0;
        for (String queueId : spool.recover()) {
            out.append(line(queueId)).append(System.lineSeparator());
            count++;
        }
        return out.append(count).append(" message(s) queued").toString();
    }

    /** Gogo: one queued message in full. */
    public String show(String queueId) throws IOException {
        if (!QUEUE_ID.matcher(queueId).matches() || !spool.contains(queueId)) {
            return "no message " + queueId + " in the queue";
        }
        EnvelopeFile.Spooled spooled = spool.spooled(queueId);
        Envelope e = spooled.envelope();
        return String.join(System.lineSeparator(), "queue id:      " + queueId,
                "received:      " + Instant.ofEpochMilli(e.receivedAt) + " from " + e.clientAddress + " (" + e.heloName + ")",
                "sender:        <" + e.reversePath + ">", "recipients:    " + e.recipients,
                "attempts:      " + spooled.state().attempts(),
                "next attempt:  " + (spooled.state().attempts() == 0 ? "now" : Instant.ofEpochMilli(spooled.state().nextAttempt())),
                "last error:    " + spooled.state().lastError());
    }

    /** Gogo: try a queued message again now. */
    public String retry(String queueId) {
        if (!QUEUE_ID.matcher(queueId).matches() || !spool.contains(queueId)) {
            return "no message " + queueId + " in the queue";
        }
        queue.runNow(queueId);
        return queueId + ": trying again now";
    }

    /** Gogo: remove a queued message, without a bounce. */
    public String delete(String queueId) throws IOException {
        if (!QUEUE_ID.matcher(queueId).matches() || !spool.contains(queueId)) {
            return "no message " + queueId + " in the queue";
        }
        spool.remove(queueId);
        LOG.info("{}: deleted from the queue by an operator", queueId);
        return queueId + ": deleted";
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
