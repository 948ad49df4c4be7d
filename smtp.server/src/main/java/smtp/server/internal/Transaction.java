package smtp.server.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.Session;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;
import smtp.delivery.api.MailDelivery;
import smtp.delivery.api.RecipientStatus;
import smtp.server.api.MessageDTO;

/**
 * One mail transaction (MAIL, RCPT..., DATA): applies the recipient policy and
 * hands the message to {@link MailDelivery}. The 250 that ends DATA is sent only
 * after {@code deliver} returned.
 */
final class Transaction implements MessageHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Transaction.class);

    private final ServerContext context;
    private final Session session;
    private final EndpointSettings settings;
    private final List<String> recipients = new ArrayList<>();
    private String reversePath = "";

    Transaction(ServerContext context, Session session, EndpointSettings settings) {
        this.context = context;
        this.session = session;
        this.settings = settings;
    }

    @Override
    public void from(String from) {
        this.reversePath = from;
    }

    @Override
    public void recipient(String recipient) throws RejectException {
        MailDelivery delivery = context.delivery();
        if (delivery == null) {
            throw new RejectException(451, "4.3.0 <" + recipient + ">: mail delivery is unavailable, try again later");
        }
        RecipientStatus status = delivery.checkRecipient(recipient);
        if (status == RecipientStatus.UNKNOWN) {
            throw new RejectException(550, "5.1.1 <" + recipient + ">: recipient address rejected: user unknown");
        }
        if (status == RecipientStatus.REMOTE && !mayRelay()) {
            throw new RejectException(550, "5.7.1 <" + recipient + ">: relay access denied");
        }
        recipients.add(recipient);
    }

    /**
     * Relaying (to domains that are not local) is for authenticated clients, and for clients on an
     * Internal interface whose address is in the relay networks (all of them when none are configured).
     */
    private boolean mayRelay() {
        if (AuthCommand.user(session) != null) {
            return true;
        }
        if (settings.usage() != Usage.INTERNAL) {
            return false;
        }
        if (context.relayNetworks.isEmpty()) {
            return true;
        }
        InetAddress client = session.getRemoteAddress().getAddress();
        return context.relayNetworks.stream().anyMatch(network -> network.contains(client));
    }

    @Override
    public String data(InputStream data) throws RejectException, IOException {
        try {
            return receive(data);
        } catch (RejectException e) {
            context.sessions.counters.messagesRejected.increment();
            throw e;
        }
    }

    private String receive(InputStream data) throws RejectException, IOException {
        MailDelivery delivery = context.delivery();
        if (delivery == null) {
            throw drained(data, 451, "4.3.0 Mail delivery is unavailable, try again later");
        }
        Sessions.State state = context.sessions.state(session);
        Envelope envelope = new Envelope();
        envelope.queueId = context.nextQueueId();
        envelope.reversePath = reversePath;
        envelope.recipients = new ArrayList<>(recipients);
        envelope.clientAddress = session.getRemoteAddress().getAddress().getHostAddress();
        envelope.heloName = session.getHelo().orElse(null);
        envelope.authenticatedUser = AuthCommand.user(session);
        envelope.tls = session.isTLSStarted();
        envelope.receivedAt = System.currentTimeMillis();
        byte[] received = ReceivedHeader.of(envelope.heloName, session.getRemoteAddress().getAddress(), context.hostName,
                context.softwareName, state != null && state.extended, tlsDescription(), envelope.queueId, recipients,
                ZonedDateTime.now());
        SizeLimit content = new SizeLimit(new HopCount(data, context.maxHops), context.maxMessageSize);
        List<Scanners.Entry> scanners = context.scanners.ordered();
        String queueId;
        Path spilled = null;
        try {
            if (scanners.isEmpty()) {
                queueId = delivery.deliver(envelope, new SequenceInputStream(new ByteArrayInputStream(received), content));
            } else {
                // the scanners read the message from a file, then delivery does
                spilled = ScanStep.spill(context.scanDirectory, envelope.queueId, received, content);
                ScanStep.Decision decision = ScanStep.run(scanners, context, context.sessions.snapshot(session),
                        message(envelope.queueId, content.count()), envelope, spilled,
                        result -> context.sessions.messageScanned(session, result));
                if (decision.quarantined()) {
                    spilled = null; // it is in the quarantine folder now
                    countMessage(state, content.count());
                    return "2.0.0 Ok: queued as " + envelope.queueId;
                }
                try (InputStream kept = Files.newInputStream(spilled)) {
                    queueId = delivery.deliver(envelope, new SequenceInputStream(new ByteArrayInputStream(decision.tags()), kept));
                }
            }
        } catch (HopCount.LoopException e) {
            LOG.warn("Message from <{}> via {} refused: {} (a mail loop)", reversePath, envelope.clientAddress, e.getMessage());
            throw drained(data, 554, "5.4.6 Too many hops: " + e.getMessage() + " (a mail loop?)");
        } catch (DataReader.BareLineEndingException e) {
            LOG.warn("Message from <{}> via {} refused: {}", reversePath, envelope.clientAddress, e.getMessage());
            throw drained(data, 550, "5.6.0 Message refused: " + e.getMessage() + "; lines must end with CRLF");
        } catch (SizeLimit.ExceededException e) {
            throw drained(data, 552, "5.3.4 Message size exceeds fixed maximum message size of " + context.maxMessageSize
                    + " bytes");
        } catch (DeliveryException e) {
            LOG.warn("Message from <{}> not accepted: {}", reversePath, e.getMessage());
            throw e.isPermanent()
                    ? drained(data, 554, "5.3.0 " + e.getMessage())
                    : drained(data, 451, "4.3.0 " + e.getMessage());
        } finally {
            if (spilled != null) {
                Files.deleteIfExists(spilled);
            }
        }
        countMessage(state, content.count());
        context.sessions.messageReceived(session, message(queueId, content.count()));
        return "2.0.0 Ok: queued as " + queueId;
    }

    private void countMessage(Sessions.State state, long bytes) {
        context.sessions.counters.accepted(bytes);
        if (state != null) {
            state.messages++;
        }
    }

    private MessageDTO message(String queueId, long size) {
        MessageDTO message = new MessageDTO();
        message.queueId = queueId;
        message.sender = reversePath;
        message.recipients = new ArrayList<>(recipients);
        message.size = size;
        message.receivedAt = System.currentTimeMillis();
        return message;
    }

    /** @return "TLSv1.3 with cipher ..." for a TLS session, else null */
    private String tlsDescription() {
        if (session.getSocket() instanceof SSLSocket tls) {
            SSLSession ssl = tls.getSession();
            return ssl.getProtocol() + " with cipher " + ssl.getCipherSuite();
        }
        return null;
    }

    /** Reads the rest of the message, so that none of it is taken for commands, and builds the refusal. */
    private static RejectException drained(InputStream data, int code, String text) throws IOException {
        data.transferTo(OutputStream.nullOutputStream());
        return new RejectException(code, text);
    }

    @Override
    public void done() {}
}
