package smtp.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
 * and returns; a worker thread then delivers local recipients into their
 * Maildirs and leaves the others queued for relay.
 * <p>
 * It also offers the Gogo command {@code delivery:queue}.
 */
@Component(
        configurationPid = DeliveryService.PID,
        immediate = true, // its worker delivers the spool whether or not anyone uses the service
        property = {"osgi.command.scope=delivery", "osgi.command.function=queue"})
@Designate(ocd = DeliveryConfiguration.class)
public final class DeliveryService implements MailDelivery {

    static final String PID = "smtp.delivery";

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);
    private static final Pattern QUEUE_ID = Pattern.compile("[A-Za-z0-9]{1,64}");

    private final Spool spool;
    private final Mailboxes mailboxes;
    private final String hostName;
    private final QueueIds queueIds = new QueueIds();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "smtp-delivery"));

    @Activate
    public DeliveryService(DeliveryConfiguration config) throws IOException {
        Path spoolDirectory = Paths.get(config.spoolDirectory()).toAbsolutePath();
        this.spool = new Spool(spoolDirectory);
        this.mailboxes = new Mailboxes(Paths.get(config.mailboxRoot()).toAbsolutePath(), config.localDomains());
        for (String mailbox : config.mailboxes()) {
            mailboxes.create(mailbox.trim());
        }
        this.hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName();
        List<String> pending = spool.recover();
        LOG.info("Delivery service started: spool {}, mailboxes {}, local domains {}, {} message(s) to resume",
                spoolDirectory, config.mailboxRoot(), mailboxes.localDomains(), pending.size());
        for (String queueId : pending) {
            worker.execute(() -> process(queueId, true));
        }
    }

    @Deactivate
    void stop() throws InterruptedException {
        worker.shutdown();
        if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("Delivery worker still busy after 30 s; the spool keeps what it has not finished");
            worker.shutdownNow();
        }
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
        String queueId = accepted.queueId;
        try {
            worker.execute(() -> process(queueId, false));
        } catch (RejectedExecutionException e) { // stopping: the message is safe in the spool
            LOG.info("{}: stored; delivery resumes at the next start", queueId);
        }
        return queueId;
    }

    @Override
    public RecipientStatus checkRecipient(String address) {
        return mailboxes.status(address);
    }

    /** Gogo command {@code delivery:queue}: the messages in the spool and their pending recipients. */
    public String queue() throws IOException {
        StringBuilder out = new StringBuilder();
        int count = 0;
        for (String queueId : spool.recover()) {
            Envelope envelope = spool.envelope(queueId);
            out.append(String.format("%-20s %s  from <%s>  to %s%n", queueId, Instant.ofEpochMilli(envelope.receivedAt),
                    envelope.reversePath, envelope.recipients));
            count++;
        }
        return out.append(count).append(" message(s) queued").toString();
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

    /**
     * Delivers the local recipients of one spooled message and keeps the rest
     * queued. Runs on the worker thread only.
     */
    private void process(String queueId, boolean resumed) {
        try {
            Envelope envelope = spool.envelope(queueId);
            List<String> remaining = new ArrayList<>();
            String name = Maildir.fileName(envelope.receivedAt, queueId, hostName);
            for (String recipient : envelope.recipients) {
                switch (mailboxes.status(recipient)) {
                    case LOCAL -> {
                        Path mailbox = mailboxes.pathOf(recipient);
                        if (resumed && Maildir.contains(mailbox, name)) {
                            LOG.info("{}: already in the mailbox of <{}>", queueId, recipient);
                        } else {
                            Maildir.deliver(mailbox, name, spool.messageFile(queueId), envelope.reversePath, recipient);
                            LOG.info("{}: delivered to <{}> in {}", queueId, recipient, mailbox);
                        }
                    }
                    case REMOTE -> remaining.add(recipient);
                    case UNKNOWN -> {
                        LOG.warn("{}: <{}> no longer has a mailbox; the message stays in the spool", queueId, recipient);
                        remaining.add(recipient);
                    }
                }
            }
            if (remaining.isEmpty()) {
                spool.remove(queueId);
            } else {
                if (remaining.size() != envelope.recipients.size()) {
                    envelope.recipients = remaining;
                    spool.rewrite(envelope);
                }
                LOG.info("{}: waiting in the spool for {}: relay to other domains is not available yet",
                        queueId, remaining);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: delivery failed; the message stays in the spool and is retried at the next start", queueId, e);
        }
    }
}
