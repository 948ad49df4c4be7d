package smtp.milter.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import smtp.server.spi.MessageChange;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyVerdict;

/**
 * The milter side of one SMTP session: option negotiation, then each stage's
 * command with its macros, and the milter's answers as policy verdicts. At the
 * end of the message the header fields and the body go to the milter, and its
 * modifications come back as changes. Calls come one at a time (the session
 * waits for each), from different threads.
 */
final class MilterSession {

    /** What the milter's answers to the stages mean, and the time limits. */
    record Settings(String name, int commandTimeout, int endTimeout, Map<Integer, List<String>> macros, Path workDirectory) {}

    private final MilterConnection connection;
    private final Settings settings;
    private int version;
    private int protocol;
    /** The macro lists the milter asked for, by stage (SMFIM_*); the configured ones where it asked for none. */
    private final Map<Integer, List<String>> macros = new LinkedHashMap<>();
    /** The milter accepted the connection: it is asked nothing more in this session. */
    private boolean done;
    /** The milter accepted (or refused) the message: it is asked nothing more until the next MAIL. */
    private boolean messageDone;
    /** MAIL was sent and BODYEOB was not: the next MAIL needs an ABORT first. */
    private boolean inMessage;
    /** RCPT was sent for the message under way. */
    private boolean recipientsSent;
    /** The connection failed: every later stage fails too. */
    private IOException broken;

    MilterSession(MilterConnection connection, Settings settings) {
        this.connection = connection;
        this.settings = settings;
    }

    MilterConnection connection() {
        return connection;
    }

    /** @return whether the connection can serve another session (negotiated version 6, and in order) */
    boolean reusable() {
        return broken == null && connection.isOpen() && version >= 6;
    }

    /** Option negotiation: what the milter wants to see and may do. */
    synchronized void negotiate() throws IOException {
        connection.write(Packets.OPTNEG, new Packets.Data().integer(Packets.VERSION).integer(Packets.ACTIONS)
                .integer(Packets.PROTOCOL).bytes());
        MilterConnection.Packet reply = connection.read(settings.commandTimeout());
        if (reply.command() != Packets.OPTNEG) {
            throw new IOException("the milter answered option negotiation with '" + reply.command() + "'");
        }
        Packets.Reader data = new Packets.Reader(reply.data());
        version = data.integer();
        data.integer(); // the actions it takes: all are allowed
        protocol = data.integer();
        if (version < 2) {
            throw new IOException("the milter speaks protocol version " + version + "; 2 to 6 are understood");
        }
        if ((protocol & ~Packets.PROTOCOL) != 0) {
            throw new IOException(String.format("the milter asks for protocol steps this server does not offer (0x%x)",
                    protocol & ~Packets.PROTOCOL));
        }
        macros.putAll(settings.macros());
        while (data.more()) {
            int stage = data.integer();
            List<String> names = new ArrayList<>();
            for (String name : data.string().split(" ")) {
                if (!name.isBlank()) {
                    names.add(name);
                }
            }
            macros.put(stage, names);
        }
    }

    synchronized PolicyVerdict connect(PolicyFacts facts) throws IOException {
        if (skip(Packets.NOCONNECT)) {
            return PolicyVerdict.proceed();
        }
        InetAddress client = InetAddress.getByName(facts.clientAddress);
        macros(Packets.CONNECT, Packets.M_CONNECT, facts);
        connection.write(Packets.CONNECT, new Packets.Data().string("[" + facts.clientAddress + "]")
                .octet(client.getAddress().length == 4 ? '4' : '6').shortInt(facts.clientPort)
                .string(facts.clientAddress).bytes());
        return stageReply(Packets.NR_CONN, true);
    }

    synchronized PolicyVerdict helo(PolicyFacts facts) throws IOException {
        if (skip(Packets.NOHELO)) {
            return PolicyVerdict.proceed();
        }
        macros(Packets.HELO, Packets.M_HELO, facts);
        connection.write(Packets.HELO, new Packets.Data().string(facts.heloName).bytes());
        return stageReply(Packets.NR_HELO, true);
    }

    synchronized PolicyVerdict mail(PolicyFacts facts) throws IOException {
        check();
        if (done) {
            return PolicyVerdict.proceed();
        }
        if (inMessage) {
            connection.write(Packets.ABORT, new byte[0]); // the transaction before this one ended without its message
        }
        inMessage = true;
        recipientsSent = false;
        messageDone = false;
        if ((protocol & Packets.NOMAIL) != 0) {
            return PolicyVerdict.proceed();
        }
        macros(Packets.MAIL, Packets.M_ENVFROM, facts);
        Packets.Data data = new Packets.Data().string("<" + facts.sender + ">");
        facts.mailParameters.forEach((keyword, value) -> data.string(value == null ? keyword : keyword + "=" + value));
        connection.write(Packets.MAIL, data.bytes());
        return messageReply(Packets.NR_MAIL);
    }

    synchronized PolicyVerdict rcpt(PolicyFacts facts) throws IOException {
        if (messageSkipped(Packets.NORCPT)) {
            return PolicyVerdict.proceed();
        }
        recipientsSent = true;
        macros(Packets.RCPT, Packets.M_ENVRCPT, facts);
        connection.write(Packets.RCPT, new Packets.Data().string("<" + facts.recipient + ">").bytes());
        PolicyVerdict verdict = stageReply(Packets.NR_RCPT, false);
        if (verdict.action() == PolicyVerdict.Action.ACCEPT) {
            messageDone = true;
            return PolicyVerdict.proceed();
        }
        return verdict;
    }

    /** The end of the message: DATA, the header fields, the body, and the milter's modifications. */
    synchronized PolicyVerdict endOfMessage(PolicyFacts facts) throws IOException {
        check();
        if (done || messageDone) {
            messageDone = false;
            return PolicyVerdict.proceed(); // the next MAIL sends an ABORT first: the milter's message did not end
        }
        try (InputStream content = new BufferedInputStream(facts.content.open())) {
            if ((protocol & Packets.NODATA) == 0) {
                macros(Packets.DATA, Packets.M_DATA, facts);
                connection.write(Packets.DATA, new byte[0]);
                PolicyVerdict verdict = messageReply(Packets.NR_DATA);
                if (messageDone || verdict.action() != PolicyVerdict.Action.CONTINUE) {
                    return finish(verdict);
                }
            }
            List<String[]> fields = Headers.read(content);
            if ((protocol & Packets.NOHDRS) == 0) {
                for (String[] field : fields) {
                    connection.write(Packets.HEADER, new Packets.Data().string(field[0]).string(field[1]).bytes());
                    if ((protocol & Packets.NR_HDR) == 0) {
                        PolicyVerdict verdict = messageReply(0);
                        if (messageDone || verdict.action() != PolicyVerdict.Action.CONTINUE) {
                            return finish(verdict);
                        }
                    }
                }
            }
            if ((protocol & Packets.NOEOH) == 0) {
                macros(Packets.EOH, Packets.M_EOH, facts);
                connection.write(Packets.EOH, new byte[0]);
                PolicyVerdict verdict = messageReply(Packets.NR_EOH);
                if (messageDone || verdict.action() != PolicyVerdict.Action.CONTINUE) {
                    return finish(verdict);
                }
            }
            if ((protocol & Packets.NOBODY) == 0) {
                byte[] chunk = new byte[Packets.CHUNK];
                for (int n; (n = content.readNBytes(chunk, 0, chunk.length)) > 0; ) {
                    connection.write(Packets.BODY, new Packets.Data().raw(chunk, 0, n).bytes());
                    if ((protocol & Packets.NR_BODY) == 0) {
                        MilterConnection.Packet reply = connection.read(settings.commandTimeout());
                        if (reply.command() == Packets.SKIP) {
                            break;
                        }
                        PolicyVerdict verdict = verdict(reply, false);
                        if (messageDone || verdict.action() != PolicyVerdict.Action.CONTINUE) {
                            return finish(verdict);
                        }
                    }
                }
            }
            macros(Packets.BODYEOB, Packets.M_EOM, facts);
            connection.write(Packets.BODYEOB, new byte[0]);
            inMessage = false;
            return finish(modifications());
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
    }

    /** @return whether MAIL was sent for the message under way */
    synchronized boolean inMessage() {
        return inMessage;
    }

    /** @return whether RCPT was sent for the message under way */
    synchronized boolean recipientsSent() {
        return recipientsSent;
    }

    /** The session ended: the milter is told, and the connection may serve another session. */
    synchronized void quit(boolean reuse) {
        try {
            if (broken == null && connection.isOpen()) {
                connection.write(reuse ? Packets.QUIT_NC : Packets.QUIT, new byte[0]);
                connection.flush();
            }
        } catch (IOException e) {
            broken = e;
        }
        if (!reuse || broken != null) {
            connection.close();
        }
    }

    /** @return the verdict of the end of the message; a message that ended before its BODYEOB is aborted at the next MAIL */
    private PolicyVerdict finish(PolicyVerdict verdict) {
        messageDone = false;
        return verdict.action() == PolicyVerdict.Action.ACCEPT ? PolicyVerdict.proceed() : verdict;
    }

    /** Reads the end-of-message answers: modifications, progress, then the verdict. */
    private PolicyVerdict modifications() throws IOException {
        List<MessageChange> changes = new ArrayList<>();
        String quarantine = null;
        Path body = null;
        OutputStream bodyOut = null;
        try {
            while (true) {
                MilterConnection.Packet reply = connection.read(settings.endTimeout());
                Packets.Reader data = new Packets.Reader(reply.data());
                switch (reply.command()) {
                    case Packets.PROGRESS -> {
                        // still working: the time starts again
                    }
                    case Packets.ADDHEADER -> changes.add(MessageChange.addHeader(data.string(), data.string()));
                    case Packets.INSHEADER -> {
                        int index = data.integer();
                        changes.add(MessageChange.insertHeader(index, data.string(), data.string()));
                    }
                    case Packets.CHGHEADER -> {
                        int index = data.integer();
                        changes.add(MessageChange.changeHeader(data.string(), Math.max(1, index), data.string()));
                    }
                    case Packets.CHGFROM -> {
                        String from = data.string();
                        changes.add(MessageChange.changeSender(from, data.more() ? data.string() : null));
                    }
                    case Packets.ADDRCPT -> changes.add(MessageChange.addRecipient(data.string(), null));
                    case Packets.ADDRCPT_PAR -> {
                        String recipient = data.string();
                        changes.add(MessageChange.addRecipient(recipient, data.more() ? data.string() : null));
                    }
                    case Packets.DELRCPT -> changes.add(MessageChange.deleteRecipient(data.string()));
                    case Packets.REPLBODY -> {
                        if (bodyOut == null) {
                            Files.createDirectories(settings.workDirectory());
                            body = Files.createTempFile(settings.workDirectory(), "body", ".eml");
                            bodyOut = Files.newOutputStream(body);
                            changes.add(MessageChange.replaceBody(body));
                        }
                        bodyOut.write(data.rest());
                    }
                    case Packets.QUARANTINE -> quarantine = data.string();
                    default -> {
                        PolicyVerdict verdict = verdict(reply, false);
                        if (bodyOut != null) {
                            bodyOut.close();
                            bodyOut = null;
                        }
                        if (verdict.action() != PolicyVerdict.Action.CONTINUE && verdict.action() != PolicyVerdict.Action.ACCEPT) {
                            deleteBody(body);
                            return verdict;
                        }
                        PolicyVerdict result = quarantine != null ? PolicyVerdict.quarantine(quarantine) : PolicyVerdict.proceed();
                        for (MessageChange change : changes) {
                            result = result.withChange(change);
                        }
                        body = null;
                        return result;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (bodyOut != null) {
                bodyOut.close();
            }
            deleteBody(body);
            throw e;
        }
    }

    private static void deleteBody(Path body) throws IOException {
        if (body != null) {
            Files.deleteIfExists(body);
        }
    }

    /** @return whether the stage is left out: the session is done with the milter, or the milter does not want it */
    private boolean skip(int step) throws IOException {
        check();
        return done || (protocol & step) != 0;
    }

    private boolean messageSkipped(int step) throws IOException {
        check();
        return done || messageDone || (protocol & step) != 0;
    }

    private void check() throws IOException {
        if (broken != null) {
            throw new IOException("the milter failed earlier in this session: " + broken.getMessage(), broken);
        }
    }

    private IOException broken(Exception e) {
        IOException failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
        broken = failure;
        connection.close();
        return failure;
    }

    /** @return the verdict of a stage before the message; an accept at connect or HELO ends the milter's session */
    private PolicyVerdict stageReply(int noReply, boolean session) throws IOException {
        if ((protocol & noReply) != 0) {
            connection.flush();
            return PolicyVerdict.proceed();
        }
        try {
            PolicyVerdict verdict = verdict(connection.read(settings.commandTimeout()), session);
            if (verdict.action() == PolicyVerdict.Action.ACCEPT && session) {
                done = true;
                return PolicyVerdict.proceed();
            }
            return verdict;
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
    }

    /** @return the verdict of a message stage (MAIL, DATA, a header, EOH); an accept ends the milter's message */
    private PolicyVerdict messageReply(int noReply) throws IOException {
        PolicyVerdict verdict = stageReply(noReply, false);
        if (verdict.action() == PolicyVerdict.Action.ACCEPT) {
            messageDone = true;
            return PolicyVerdict.proceed();
        }
        if (verdict.action() != PolicyVerdict.Action.CONTINUE) {
            messageDone = true;
        }
        return verdict;
    }

    /** @return the policy verdict of a milter's reply to a stage */
    private PolicyVerdict verdict(MilterConnection.Packet reply, boolean session) throws IOException {
        Packets.Reader data = new Packets.Reader(reply.data());
        return switch (reply.command()) {
            case Packets.CONTINUE -> PolicyVerdict.proceed();
            case Packets.ACCEPT -> PolicyVerdict.accept();
            case Packets.REJECT -> PolicyVerdict.reject(session ? 554 : 550, "5.7.1", "Command rejected");
            case Packets.TEMPFAIL -> PolicyVerdict.defer(451, "4.7.1", "Service unavailable - try again later");
            case Packets.DISCARD -> PolicyVerdict.discard("milter " + settings.name());
            case Packets.REPLYCODE -> replyCode(data.string());
            case Packets.SHUTDOWN, Packets.CONN_FAIL -> PolicyVerdict.disconnect("Service unavailable");
            case Packets.QUARANTINE -> PolicyVerdict.quarantine(data.string());
            default -> throw new IOException("the milter answered '" + reply.command() + "', which is no answer here");
        };
    }

    /** @return the verdict of a SMFIR_REPLYCODE: "550 5.7.1 text", perhaps on several lines */
    static PolicyVerdict replyCode(String reply) {
        String[] lines = reply.split("\r?\n");
        StringBuilder text = new StringBuilder();
        int code = 0;
        String enhanced = null;
        for (String line : lines) {
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                continue;
            }
            code = Integer.parseInt(line.substring(0, 3));
            String rest = line.length() > 4 ? line.substring(4) : "";
            if (rest.matches("[245]\\.\\d{1,3}\\.\\d{1,3}( .*)?")) {
                int space = rest.indexOf(' ');
                enhanced = space < 0 ? rest : rest.substring(0, space);
                rest = space < 0 ? "" : rest.substring(space + 1);
            }
            if (text.length() > 0) {
                text.append(' ');
            }
            text.append(rest);
        }
        String words = text.length() == 0 ? "Command rejected" : text.toString();
        if (code == 421) {
            return PolicyVerdict.disconnect(words);
        }
        if (code >= 400 && code < 500) {
            return PolicyVerdict.defer(code, enhanced != null && enhanced.startsWith("4") ? enhanced : "4.7.1", words);
        }
        return PolicyVerdict.reject(code >= 500 && code < 560 ? code : 550,
                enhanced != null && enhanced.startsWith("5") ? enhanced : "5.7.1", words);
    }

    /** Sends the macros of a command, those the milter asked for or the configured ones, with the values known. */
    private void macros(char command, int stage, PolicyFacts facts) throws IOException {
        List<String> names = macros.get(stage);
        if (names == null || names.isEmpty()) {
            return;
        }
        Packets.Data data = new Packets.Data().octet(command);
        boolean any = false;
        for (String name : names) {
            String value = Macros.value(name, facts);
            if (value != null) {
                data.string(name).string(value);
                any = true;
            }
        }
        if (any) {
            connection.write(Packets.MACRO, data.bytes());
        }
    }
}
