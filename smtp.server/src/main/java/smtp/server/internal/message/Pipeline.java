package smtp.server.internal.message;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.Envelope;
import smtp.delivery.api.MailDelivery;
import smtp.server.internal.net.Addresses;
import smtp.server.internal.policy.Policies;
import smtp.server.internal.policy.PolicyChain;
import smtp.server.internal.session.SessionInfo;
import smtp.server.internal.session.Sessions;
import smtp.server.spi.MessageChange;
import smtp.server.spi.MessageContent;
import smtp.server.spi.MessageDTO;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;
import smtp.server.spi.SessionListener;

/**
 * What happens to a message between the end of the envelope and the reply to
 * its end: the Received header goes on top, the header section is checked
 * (hop count, {@code TLS-Required}), the size is kept to the limit, the
 * scanners run, and the message is handed to {@link MailDelivery}. The 250 is
 * the reply only once {@code deliver} returned. DATA and BDAT both end here.
 */
public final class Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    /** The most of the header section read before delivery starts (to see its fields first). */
    static final int HEAD = 64 * 1024;

    /** The pipeline's settings. */
    public record Settings(String hostName, String softwareName, long maxMessageSize, int maxHops, Path scanDirectory,
            Path quarantineDirectory) {}

    /** The message as the session reads it, and what its reader knows of it. */
    public interface Content {
        InputStream stream();

        /** @return why the message cannot be taken whatever else it holds ("bare LF"), or null */
        String violation();
    }

    private final Settings settings;
    private final Supplier<MailDelivery> delivery;
    private final PolicyChain policy;
    private final Sessions sessions;
    private final QueueIds queueIds = new QueueIds();

    public Pipeline(Settings settings, Supplier<MailDelivery> delivery, PolicyChain policy, Sessions sessions) {
        this.settings = settings;
        this.delivery = delivery;
        this.policy = policy;
        this.sessions = sessions;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Takes the message, or refuses it.
     *
     * @param tls the session's TLS protocol and cipher, or null
     * @return the reply to the end of the message
     * @throws IOException if reading the message failed for a reason of the connection, not of the message: nothing
     *         is kept
     */
    public String receive(MailTransaction mail, SessionInfo session, String tls, Content content) throws IOException {
        Reply reply = accept(mail, session, tls, content);
        if (reply.refusal() != null) {
            sessions.counters().messagesRejected.increment();
            sessions.messageRefused(session, reply.refusal(), reply.text());
        }
        return reply.text();
    }

    /**
     * The reply to the end of a message.
     *
     * @param refusal why the message was refused (a {@code SessionListener} refusal reason), or null when it was taken
     */
    private record Reply(String text, String refusal) {
        static Reply taken(String text) {
            return new Reply(text, null);
        }
    }

    private Reply accept(MailTransaction mail, SessionInfo session, String tls, Content content) throws IOException {
        MailDelivery delivery = this.delivery.get();
        if (delivery == null) {
            return new Reply("451 4.3.0 Mail delivery is unavailable, try again later", SessionListener.REFUSED_DELIVERY);
        }
        Envelope envelope = envelope(mail, session, tls != null);
        InetSocketAddress intercepted = session.originalDestination();
        byte[] received = ReceivedHeader.of(envelope.heloName, session.client().getAddress(), settings.hostName(),
                intercepted == null ? settings.softwareName() : settings.softwareName() + "; intercepted on its way to "
                        + Addresses.hostPort(intercepted), ReceivedHeader.protocol(session.extended(), mail.smtputf8, tls != null,
                        envelope.authenticatedUser != null),
                tls, envelope.queueId, envelope.recipients, ZonedDateTime.now());
        SizeLimit size = new SizeLimit(content.stream(), settings.maxMessageSize());
        HeaderScan headers = new HeaderScan(size, settings.maxHops());
        Path spilled = null;
        List<Path> replacements = List.of();
        try {
            byte[] head = readHead(headers);
            envelope.tlsOptional = headers.tlsRequiredNo() && !mail.requireTls;
            InputStream message = new SequenceInputStream(Collections.enumeration(List.of(
                    new ByteArrayInputStream(received), new ByteArrayInputStream(head), headers)));
            String queueId;
            List<Policies.Entry> endOfMessage = policy.policies().at(PolicyStage.END_OF_MESSAGE, session.binding,
                    session.usage);
            if (endOfMessage.isEmpty() && mail.quarantine == null && mail.discard == null) {
                queueId = delivery.deliver(envelope, mail.headers.isEmpty() ? message
                        : new SequenceInputStream(new ByteArrayInputStream(lines(mail.headers)), message));
            } else {
                // the plugins read the message from a file, then delivery does
                spilled = ScanStep.spill(settings.scanDirectory(), envelope.queueId, message);
                PolicyChain.Outcome outcome = endOfMessage(mail, session, envelope, spilled, size.count());
                if (outcome.refuses()) {
                    PolicyVerdict verdict = outcome.verdict();
                    return new Reply(verdict.action() == PolicyVerdict.Action.DISCONNECT
                            ? "421 " + verdict.enhancedCode() + " " + settings.hostName() + " " + verdict.text()
                            : verdict.reply(), SessionListener.REFUSED_POLICY);
                }
                replacements = bodies(outcome.changes());
                List<String> added = new ArrayList<>(mail.headers);
                added.addAll(outcome.headers());
                MessageEdits.applyToEnvelope(outcome.changes(), envelope);
                String discard = outcome.discard() != null ? outcome.discard() : mail.discard;
                if (discard == null && envelope.recipients.isEmpty()) {
                    discard = "every recipient was removed";
                }
                if (discard != null) {
                    LOG.info("{}: from <{}> via {} discarded ({}): accepted, not delivered", envelope.queueId,
                            envelope.reversePath, envelope.clientAddress, discard);
                    accepted(session, size.count());
                    return Reply.taken("250 2.0.0 Ok: queued as " + envelope.queueId);
                }
                String quarantine = outcome.quarantine() != null ? outcome.quarantine() : mail.quarantine;
                if (quarantine != null) {
                    ScanStep.quarantine(settings.quarantineDirectory(), envelope.queueId, envelope, spilled, quarantine,
                            added);
                    spilled = null; // it is in the quarantine folder now
                    accepted(session, size.count());
                    return Reply.taken("250 2.0.0 Ok: queued as " + envelope.queueId);
                }
                try (InputStream kept = MessageEdits.changeContent(outcome.changes())
                        ? MessageEdits.applyToContent(outcome.changes(), spilled) : Files.newInputStream(spilled)) {
                    queueId = delivery.deliver(envelope, added.isEmpty() ? kept
                            : new SequenceInputStream(new ByteArrayInputStream(lines(added)), kept));
                }
            }
            accepted(session, size.count());
            MessageDTO taken = message(envelope, queueId, size.count());
            taken.acceptNanos = size.endedAt() == 0 ? 0 : System.nanoTime() - size.endedAt();
            sessions.messageReceived(session, taken);
            return Reply.taken("250 2.0.0 Ok: queued as " + queueId);
        } catch (Refusal e) {
            return new Reply(e.reply(), SessionListener.REFUSED_ERROR);
        } catch (DeliveryException e) {
            Reply refusal = refusal(mail, envelope, size, headers, content);
            if (refusal != null) {
                return refusal;
            }
            LOG.warn("Message from <{}> not accepted: {}", mail.reversePath, e.getMessage());
            return new Reply((e.isPermanent() ? "554 5.3.0 " : "451 4.3.0 ") + e.getMessage(),
                    SessionListener.REFUSED_DELIVERY);
        } catch (IOException e) {
            Reply refusal = refusal(mail, envelope, size, headers, content);
            if (refusal != null) {
                return refusal;
            }
            throw e;
        } finally {
            if (spilled != null) {
                Files.deleteIfExists(spilled);
            }
            for (Path replacement : replacements) {
                Files.deleteIfExists(replacement);
            }
        }
    }

    /** Asks the end-of-message plugins (the scanners among them) about the message kept in the file. */
    private PolicyChain.Outcome endOfMessage(MailTransaction mail, SessionInfo session, Envelope envelope, Path file,
            long size) throws IOException, Refusal {
        PolicyFacts facts = PolicyChain.facts(PolicyStage.END_OF_MESSAGE, session, mail.reversePath, mail.parameters,
                envelope.recipients, null);
        facts.queueId = envelope.queueId;
        facts.content = new MessageContent() {
            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }

            @Override
            public long size() {
                return size;
            }
        };
        try {
            return policy.ask(session, facts, result -> sessions.policyDecided(session, result));
        } catch (InterruptedIOException e) {
            throw new Refusal("451 4.3.0 The message could not be taken now, try again later");
        }
    }

    /** @return the files of the bodies that replace the message's, which the pipeline deletes when done */
    private static List<Path> bodies(List<MessageChange> changes) {
        List<Path> files = new ArrayList<>();
        for (MessageChange change : changes) {
            if (change.kind() == MessageChange.Kind.REPLACE_BODY) {
                files.add(change.body());
            }
        }
        return files;
    }

    /** @return the header fields as lines of the message */
    private static byte[] lines(List<String> fields) {
        StringBuilder lines = new StringBuilder();
        for (String field : fields) {
            lines.append(field).append("\r\n");
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the refusal for what the message itself holds, or null when it is not the message's fault */
    private Reply refusal(MailTransaction mail, Envelope envelope, SizeLimit size, HeaderScan headers, Content content) {
        if (headers.loop()) {
            LOG.warn("Message from <{}> via {} refused: more than {} Received headers (a mail loop)", mail.reversePath,
                    envelope.clientAddress, settings.maxHops());
            return new Reply("554 5.4.6 Too many hops: more than " + settings.maxHops() + " Received headers (a mail loop?)",
                    SessionListener.REFUSED_LOOP);
        }
        if (size.exceeded()) {
            return new Reply("552 5.3.4 Message size exceeds fixed maximum message size of " + settings.maxMessageSize()
                    + " bytes", SessionListener.REFUSED_SIZE);
        }
        String violation = content.violation();
        if (violation != null) {
            LOG.warn("Message from <{}> via {} refused: {} in the message", mail.reversePath, envelope.clientAddress, violation);
            return new Reply("550 5.6.0 Message refused: " + violation + " in the message; lines must end with CRLF",
                    SessionListener.REFUSED_LINE_ENDINGS);
        }
        return null;
    }

    /** Reads the header section (up to {@value #HEAD} bytes of it), so that its fields are known before delivery. */
    private static byte[] readHead(HeaderScan headers) throws IOException {
        byte[] head = new byte[1024];
        int length = 0;
        while (headers.inHeaders() && length < HEAD) {
            if (length == head.length) {
                head = Arrays.copyOf(head, Math.min(HEAD, head.length * 4));
            }
            int n = headers.read(head, length, head.length - length);
            if (n < 0) {
                break;
            }
            length += n;
        }
        return Arrays.copyOf(head, length);
    }

    private Envelope envelope(MailTransaction mail, SessionInfo session, boolean tls) {
        Envelope envelope = new Envelope();
        envelope.queueId = queueIds.next();
        envelope.reversePath = mail.reversePath;
        envelope.recipients = mail.addresses();
        envelope.clientAddress = session.clientAddress();
        envelope.heloName = session.heloName();
        envelope.authenticatedUser = session.user();
        envelope.tls = tls;
        envelope.receivedAt = System.currentTimeMillis();
        if (session.originalDestination() != null && session.toOriginal()) {
            envelope.nextHop = Addresses.hostPort(session.originalDestination());
        }
        envelope.body = mail.body;
        envelope.smtputf8 = mail.smtputf8;
        envelope.requireTls = mail.requireTls;
        envelope.dsnReturn = mail.ret;
        envelope.dsnEnvelopeId = mail.envid;
        for (MailTransaction.Recipient recipient : mail.recipients()) {
            if (recipient.notifyOn() != null) {
                envelope.dsnNotify.put(recipient.address(), recipient.notifyOn());
            }
            if (recipient.orcpt() != null) {
                envelope.dsnOriginalRecipient.put(recipient.address(), recipient.orcpt());
            }
        }
        return envelope;
    }

    private void accepted(SessionInfo session, long bytes) {
        sessions.counters().accepted(bytes);
        session.messageAccepted();
    }

    private static MessageDTO message(Envelope envelope, String queueId, long size) {
        MessageDTO message = new MessageDTO();
        message.queueId = queueId;
        message.sender = envelope.reversePath;
        message.recipients = new ArrayList<>(envelope.recipients);
        message.size = size;
        message.receivedAt = System.currentTimeMillis();
        return message;
    }
}
