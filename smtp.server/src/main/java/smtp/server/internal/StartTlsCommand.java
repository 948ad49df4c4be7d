package smtp.server.internal;

import java.io.IOException;

import javax.net.ssl.SSLSocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import smtp.server.api.TlsProfile;

/**
 * STARTTLS (RFC 3207). The handshake runs at once; if it fails the connection
 * is closed, never continued in plaintext. Whatever the client sent behind
 * STARTTLS before the handshake is discarded, never executed, and the session
 * starts over: the client must send EHLO again.
 */
final class StartTlsCommand extends BaseCommand {

    private static final Logger LOG = LoggerFactory.getLogger(StartTlsCommand.class);

    private final ServerContext context;
    private final EndpointSettings settings;

    StartTlsCommand(ServerContext context, EndpointSettings settings) {
        super("STARTTLS", "Starts TLS.");
        this.context = context;
        this.settings = settings;
    }

    /** @return true if this session may start TLS now (what EHLO advertises) */
    boolean available(Session session) {
        return settings.tlsMode() == TlsMode.STARTTLS && !session.isTLSStarted()
                && context.tlsProfile(settings.tlsProfile()) != null;
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        if (settings.tlsMode() != TlsMode.STARTTLS) {
            session.sendResponse("502 5.5.1 Error: command not implemented");
            return;
        }
        if (!commandString.trim().equalsIgnoreCase(getName())) {
            context.badCommands.reply(session, "501 5.5.4 Syntax: STARTTLS");
            return;
        }
        if (session.isTLSStarted()) {
            context.badCommands.reply(session, "503 5.5.1 Error: TLS already active");
            return;
        }
        TlsProfile profile = context.tlsProfile(settings.tlsProfile());
        if (profile == null) {
            session.sendResponse("454 4.7.0 TLS not available due to temporary reason");
            return;
        }
        int pipelined = session.getRawInput().available();
        session.sendResponse("220 2.0.0 Ready to start TLS");
        SSLSocket tls;
        try {
            tls = profile.wrap(session.getSocket());
            tls.startHandshake();
        } catch (IOException | RuntimeException e) {
            LOG.info("STARTTLS with {} failed: {}; connection closed", session.getRemoteAddress(), e.getMessage());
            session.quit();
            return;
        }
        if (pipelined > 0) {
            LOG.warn("{} sent {} bytes behind STARTTLS before the handshake; discarded", session.getRemoteAddress(), pipelined);
        }
        session.setSocket(tls); // a new reader over the TLS stream: the plaintext buffer is dropped
        session.resetSmtpProtocol();
        session.setTlsStarted(true);
    }
}
