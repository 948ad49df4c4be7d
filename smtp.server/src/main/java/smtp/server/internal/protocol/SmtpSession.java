package smtp.server.internal.protocol;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.message.MailTransaction;
import smtp.server.internal.policy.PolicyChain;
import smtp.server.internal.session.Errors;
import smtp.server.internal.net.Interception;
import smtp.server.internal.session.SessionInfo;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;
import smtp.server.tls.TlsProfile;

/**
 * One SMTP session (RFC 5321) on its own thread, from the greeting to the
 * close: reads each command line, refuses what cannot be read (too long, a
 * bare CR or LF, not UTF-8, blank) and counts it, and runs the command. Every
 * reply carries an enhanced status code (RFC 3463), and none repeats a control
 * character the client sent.
 */
public final class SmtpSession implements Runnable, SessionInfo.Control {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);
    /** The longest command line taken, its CRLF not counted (RFC 5321 allows 512 with it, extensions more). */
    static final int MAX_LINE = 4096;

    final ServerContext context;
    final EndpointSettings settings;
    final Connection connection;
    final SessionInfo info;
    final Errors errors;
    /** The mail transaction under way, from MAIL to the end of its message. */
    MailTransaction transaction;
    boolean quit;
    /** A chunked message was refused before its LAST chunk: its further chunks are dropped. */
    boolean skippingChunks;
    private volatile boolean draining;
    /** Held while a command runs, so that a drain can tell a session that waits for one. */
    private final ReentrantLock commandLock = new ReentrantLock();
    private boolean waiting;
    private boolean greeted;
    /** Header fields that policy plugins added at connect, HELO or AUTH: they go on every message of the session. */
    final List<String> sessionHeaders = new ArrayList<>(0);
    /** Why a policy plugin wants every message of the session quarantined, or null. */
    String sessionQuarantine;
    /** Why a policy plugin wants every message of the session dropped, or null. */
    String sessionDiscard;
    /** The reply of a policy plugin that refused the connection: every command but QUIT is refused with it. */
    private String refusedConnection;

    public SmtpSession(ServerContext context, EndpointSettings settings, Object endpoint, Socket socket, String id)
            throws IOException {
        this.context = context;
        this.settings = settings;
        this.connection = new Connection(socket, context.limits.idleTimeoutMillis(), context.limits.minDataRate(),
                context.readTimeouts);
        this.info = new SessionInfo(id, endpoint, settings.bindingName(), settings.usage(), connection.remote(), connection.local(),
                settings.tlsMode() == TlsMode.IMPLICIT, this);
        this.errors = new Errors(context.limits.errors());
    }

    /**
     * Learns where the client of an intercepting endpoint meant to connect. A connection made to the endpoint itself
     * (not intercepted) is refused: its mail would have nowhere to go.
     *
     * @return whether the session may go on
     */
    private boolean intercepted() throws IOException {
        InetSocketAddress destination;
        String why;
        try {
            destination = settings.intercept() == EndpointSettings.Intercept.REDIRECT
                    ? Interception.originalDestination(connection.plainSocket().getChannel()) : connection.local();
            why = "it was made to this server, not intercepted";
        } catch (IOException e) {
            destination = null;
            why = e.getMessage();
        }
        if (destination == null || Interception.isOwn(destination, connection.local().getPort())) {
            LOG.info("Connection from {} to intercepting binding {} refused: {}", info.clientAddress(),
                    settings.bindingName(), why);
            context.sessions.counters().refused(smtp.server.api.CountersDTO.REFUSED_NOT_INTERCEPTED);
            connection.send("554 5.7.0 " + context.hostName + " takes only connections intercepted on their way to "
                    + "another server");
            return false;
        }
        info.intercepted(destination, settings.toOriginal());
        return true;
    }

    @Override
    public void run() {
        boolean opened = false;
        try {
            if (settings.proxied() && !ProxyHeader.read(this)) {
                return;
            }
            if (settings.tlsMode() == TlsMode.IMPLICIT && !implicitTls()) {
                return;
            }
            if (settings.intercepting() && !intercepted()) {
                return;
            }
            String refusal = context.sessions.open(info);
            if (refusal != null) {
                connection.send("421 4.7.0 " + context.hostName + " " + refusal);
                return;
            }
            opened = true;
            greeted = true;
            if (!greet()) {
                return;
            }
            while (!quit) {
                handle(nextCommand());
            }
            connection.flush();
        } catch (ConnectionLost e) {
            ended(e);
        } catch (IOException e) {
            context.warnings.warn(LOG, "session-io", "Session {} with {} failed: {}", info.id, info.clientAddress(), e.toString());
        } catch (RuntimeException e) {
            LOG.error("Session {} with {} failed", info.id, info.clientAddress(), e);
            tryToSend("421 4.3.0 " + context.hostName + " Error: internal error, closing connection");
        } finally {
            // the place is given back before the client sees the connection end: a client that reconnects at once
            // finds it free
            try {
                if (opened) {
                    context.policy.ended(info);
                    context.sessions.close(info);
                } else {
                    context.sessions.unreserve();
                }
            } finally {
                connection.close();
            }
        }
    }

    /**
     * Asks the policy plugins about the connection and greets the client: 220, or 554 when a plugin refused it (the
     * session then refuses every command but QUIT, RFC 5321 3.1).
     *
     * @return false when a plugin deferred the connection or ended it: the 421 is out, and the session ends
     */
    private boolean greet() throws IOException {
        PolicyChain.Outcome outcome = ask(PolicyStage.CONNECT, null, null);
        if (outcome != null && outcome.refuses()) {
            PolicyVerdict verdict = outcome.verdict();
            if (verdict.action() != PolicyVerdict.Action.REJECT) {
                connection.send("421 " + verdict.enhancedCode() + " " + context.hostName + " " + verdict.text());
                return false;
            }
            refusedConnection = verdict.enhancedCode() + " " + verdict.text();
            reply(verdict.code() + " " + verdict.enhancedCode() + " " + context.hostName + " " + verdict.text());
            return true;
        }
        reply("220 " + context.hostName + " ESMTP " + context.softwareName);
        return true;
    }

    /**
     * Asks the policy plugins at a stage; what they add (header fields, quarantine) goes to the transaction, or
     * before MAIL to the session.
     *
     * @param mail the transaction (at MAIL: the one about to start), or null before MAIL
     * @param recipient at RCPT, the recipient asked about
     * @return the reply that refuses the command, or null when it may go on; after a DISCONNECT verdict the
     *         session ends with that reply
     */
    String policy(PolicyStage stage, MailTransaction mail, String recipient) throws IOException {
        PolicyChain.Outcome outcome = ask(stage, mail, recipient);
        if (outcome == null) {
            return null;
        }
        PolicyVerdict verdict = outcome.verdict();
        if (outcome.refuses()) {
            if (verdict.action() == PolicyVerdict.Action.DISCONNECT) {
                quit = true;
                return "421 " + verdict.enhancedCode() + " " + context.hostName + " " + verdict.text();
            }
            return verdict.reply();
        }
        if (!outcome.changes().isEmpty()) {
            LOG.warn("Session {}: policy plugin {} gave changes to the message at {}; they apply at the end of the "
                    + "message only, and are ignored", info.id, outcome.policy(), stage);
        }
        if (mail != null) {
            mail.headers.addAll(outcome.headers());
            if (outcome.quarantine() != null) {
                mail.quarantine = outcome.quarantine();
            }
            if (outcome.discard() != null) {
                mail.discard = outcome.discard();
            }
        } else {
            sessionHeaders.addAll(outcome.headers());
            if (outcome.quarantine() != null) {
                sessionQuarantine = outcome.quarantine();
            }
            if (outcome.discard() != null) {
                sessionDiscard = outcome.discard();
            }
        }
        return null;
    }

    /** @return what the plugins of the stage decided; null when no plugin is present */
    private PolicyChain.Outcome ask(PolicyStage stage, MailTransaction mail, String recipient) throws IOException {
        if (context.policy.policies().all().isEmpty()) {
            return null;
        }
        PolicyFacts facts = mail == null ? PolicyChain.facts(stage, info, null, Map.of(), List.of(), recipient)
                : PolicyChain.facts(stage, info, mail.reversePath, mail.parameters, mail.addresses(), recipient);
        try {
            return context.policy.ask(info, facts, result -> context.sessions.policyDecided(info, result));
        } catch (InterruptedIOException e) {
            throw new ConnectionLost(ConnectionLost.Cause.CLOSED_BY_SERVER, e.getMessage());
        }
    }

    private boolean implicitTls() throws IOException {
        TlsProfile profile = context.tlsProfile(settings.tlsProfile());
        if (profile == null) {
            LOG.info("Connection from {} closed: the TLS profile '{}' of this binding is gone", info.clientAddress(),
                    settings.tlsProfile());
            return false;
        }
        try {
            connection.startTls(profile.engine(), context.tlsBuffers);
        } catch (IOException e) {
            LOG.info("TLS handshake with {} failed: {}; connection closed", info.clientAddress(), Printable.of(e.getMessage()));
            return false;
        }
        info.tlsStarted(connection.tlsCipher());
        return true;
    }

    /** Waits for the next command line; while it waits with no message under way, a drain may end the session. */
    private Input.Line nextCommand() throws IOException {
        connection.flush();
        connection.startRequest();
        commandLock.lock();
        try {
            waiting = transaction == null && connection.input.available() == 0;
        } finally {
            commandLock.unlock();
        }
        Input.Line line = connection.input.readLine(MAX_LINE);
        commandLock.lock();
        waiting = false;
        return line;
    }

    private void handle(Input.Line line) throws IOException {
        try {
            if (connection.closedByServer()) {
                throw new ConnectionLost(ConnectionLost.Cause.CLOSED_BY_SERVER, "the server closed the connection");
            }
            if (line.problem() == Input.Problem.BARE_LF || line.problem() == Input.Problem.BARE_CR) {
                // the client frames lines differently from us: what it pipelined behind may be taken apart wrongly
                reply("500 5.5.2 Error: bare CR or LF in a command; lines must end with CRLF");
                quit = true;
                return;
            }
            if (line.problem() != null) {
                badCommand(line.problem() == Input.Problem.TOO_LONG ? "500 5.5.2 Error: line too long"
                        : "501 5.5.2 Error: the command is not valid UTF-8");
                return;
            }
            String text = line.text();
            int space = text.indexOf(' ');
            String verb = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
            String args = space < 0 ? "" : text.substring(space + 1);
            if (draining && transaction == null && !verb.equals("QUIT")) {
                reply("421 4.3.2 " + context.hostName + " Service shutting down, try again later");
                quit = true;
                return;
            }
            if (refusedConnection != null && !verb.equals("QUIT")) {
                badCommand("503 " + refusedConnection);
                return;
            }
            run(verb, args);
        } finally {
            commandLock.unlock();
        }
    }

    private void run(String verb, String args) throws IOException {
        switch (verb) {
            case "EHLO" -> Hello.ehlo(this, args);
            case "HELO" -> Hello.helo(this, args);
            case "MAIL" -> MailCommand.run(this, args);
            case "RCPT" -> RcptCommand.run(this, args);
            case "DATA" -> DataCommand.run(this, args);
            case "BDAT" -> BdatCommand.run(this, args);
            case "RSET" -> {
                if (!args.isBlank()) {
                    badCommand("501 5.5.4 Syntax: RSET");
                    return;
                }
                transaction = null;
                reply("250 2.0.0 Ok");
            }
            case "NOOP" -> reply("250 2.0.0 Ok");
            case "QUIT" -> {
                reply("221 2.0.0 Bye");
                quit = true;
            }
            case "VRFY" -> reply("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
            case "EXPN" -> reply("502 5.5.1 Error: command not implemented");
            case "HELP" -> reply("214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP VRFY QUIT STARTTLS AUTH; "
                    + "see RFC 5321");
            case "STARTTLS" -> StartTlsCommand.run(this, args);
            case "AUTH" -> AuthCommand.run(this, args);
            case "" -> badCommand("500 5.5.2 Error: bad syntax");
            default -> badCommand("500 5.5.2 Error: command not recognized");
        }
    }

    /** Queues a reply; replies go out together when the session next waits for the client. */
    void reply(String reply) {
        connection.output.reply(reply);
    }

    /** Refuses a command as unknown, malformed or out of sequence: counted, and answered late after a few. */
    void badCommand(String refusal) throws IOException {
        long delay = errors.badCommand();
        if (delay < 0) {
            LOG.info("Session {} with {}: {} bad commands; disconnected", info.id, info.clientAddress(), errors.badCommands());
            reply("421 4.7.0 " + context.hostName + " Error: too many errors, closing connection");
            quit = true;
            return;
        }
        pause(delay);
        reply(refusal);
    }

    /** Refuses an unknown recipient: counted like a bad command, with its own limit. */
    void unknownRecipient(String refusal) throws IOException {
        long delay = errors.unknownRecipient();
        if (delay < 0) {
            LOG.info("Session {} with {}: {} unknown recipients; disconnected", info.id, info.clientAddress(),
                    errors.unknownRecipients());
            reply("421 4.7.0 " + context.hostName + " Error: too many unknown recipients, closing connection");
            quit = true;
            return;
        }
        pause(delay);
        reply(refusal);
    }

    private void pause(long millis) throws IOException {
        if (millis > 0) {
            connection.flush();
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectionLost(ConnectionLost.Cause.CLOSED_BY_SERVER, "interrupted");
            }
        }
    }

    /** The connection ended under the session: one line in the log, and a last reply where one can still go out. */
    private void ended(ConnectionLost e) {
        switch (e.cause) {
            case IDLE -> {
                LOG.info("Session {} with {}: no command for {} s; disconnected", info.id, info.clientAddress(),
                        context.limits.idleTimeoutMillis() / 1000);
                tryToSend("421 4.4.2 " + context.hostName + " Error: timeout exceeded, closing connection");
            }
            case TOO_SLOW -> {
                LOG.info("Session {} with {}: data slower than {} bytes/s; disconnected", info.id, info.clientAddress(),
                        context.limits.minDataRate());
                tryToSend("421 4.4.2 " + context.hostName + " Error: data transfer too slow, closing connection");
            }
            case CLIENT_GONE -> LOG.info("Session {} with {}: {}{}", info.id, info.clientAddress(), e.getMessage(),
                    transaction != null ? " in the middle of a mail transaction" : "");
            case CLOSED_BY_SERVER -> LOG.debug("Session {} with {} closed by the server", info.id, info.clientAddress());
        }
    }

    private void tryToSend(String reply) {
        if (!greeted) {
            return; // before the greeting (a PROXY header, a TLS handshake) the connection just closes
        }
        try {
            connection.send(reply);
        } catch (IOException | RuntimeException e) {
            // the connection is going anyway
        }
    }

    @Override
    public void drain() {
        draining = true;
        if (commandLock.tryLock()) {
            try {
                if (waiting) { // waiting for a command, with nothing under way: it may go now
                    tryToSend("421 4.3.2 " + context.hostName + " Service shutting down, try again later");
                    connection.closeByServer();
                }
            } finally {
                commandLock.unlock();
            }
        }
    }

    @Override
    public void expire() {
        connection.closeByServer();
    }
}
