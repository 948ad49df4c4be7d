package smtp.server.internal.protocol;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.tls.TlsProfile;

/**
 * STARTTLS (RFC 3207). The handshake runs at once; if it fails the connection
 * is closed, never continued in plaintext. Whatever the client sent behind
 * STARTTLS before the handshake is discarded, never executed, and the session
 * starts over: the client must send EHLO again.
 */
final class StartTlsCommand {

    private static final Logger LOG = LoggerFactory.getLogger(StartTlsCommand.class);

    private StartTlsCommand() {}

    /** @return true if this session may start TLS now (what EHLO advertises) */
    static boolean available(SmtpSession session) {
        return session.settings.tlsMode() == TlsMode.STARTTLS && !session.info.tls()
                && session.context.tlsProfile(session.settings.tlsProfile()) != null;
    }

    static void run(SmtpSession session, String args) throws IOException {
        if (session.settings.tlsMode() != TlsMode.STARTTLS) {
            session.badCommand("502 5.5.1 Error: command not implemented");
            return;
        }
        if (!args.isBlank()) {
            session.badCommand("501 5.5.4 Syntax: STARTTLS");
            return;
        }
        if (session.info.tls()) {
            session.badCommand("503 5.5.1 Error: TLS already active");
            return;
        }
        TlsProfile profile = session.context.tlsProfile(session.settings.tlsProfile());
        if (profile == null) {
            session.reply("454 4.7.0 TLS not available due to temporary reason");
            return;
        }
        Connection connection = session.connection;
        int pipelined = connection.input.available();
        connection.send("220 2.0.0 Ready to start TLS");
        try {
            connection.startTls(profile.engine(), session.context.tlsBuffers);
        } catch (IOException | RuntimeException e) {
            LOG.info("STARTTLS with {} failed: {}; connection closed", session.info.clientAddress(), Printable.of(e.getMessage()));
            session.quit = true;
            return;
        }
        if (pipelined > 0) {
            session.context.warnings.warn(LOG, "starttls-pipelined", "{} sent {} bytes behind STARTTLS before the handshake; "
                    + "discarded", session.info.clientAddress(), pipelined);
        }
        session.info.tlsStarted(session.connection.tlsCipher());
        session.info.hello(null, false);
        session.info.authenticated(null);
        session.transaction = null;
    }
}
