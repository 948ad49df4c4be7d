package smtp.server.internal.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.auth.AuthGate;
import smtp.server.internal.net.Addresses;
import smtp.server.spi.PolicyStage;

/**
 * AUTH (RFC 4954) with the PLAIN and LOGIN mechanisms, checked by the
 * {@code Authenticator} services through the {@link AuthGate} (a client that
 * failed waits before its next check; checks are limited per address and in
 * all). Offered only on TLS-protected sessions, unless the binding allows it
 * without TLS (loopback addresses only).
 */
final class AuthCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AuthCommand.class);
    static final String MECHANISMS = "PLAIN LOGIN";
    /** RFC 4954 4: a line of the exchange may hold 12288 octets. */
    private static final int MAX_RESPONSE = 12288;

    private AuthCommand() {}

    /** @return true if EHLO should offer AUTH to this session now */
    static boolean available(SmtpSession session) {
        return session.context.authenticators.present() && (session.info.tls() || session.settings.authWithoutTls())
                && session.info.user() == null && !session.settings.intercepting();
    }

    static void run(SmtpSession session, String args) throws IOException {
        if (session.settings.intercepting()) {
            // the credentials are for the server the client meant to reach: never taken, never passed on
            session.badCommand("502 5.7.0 Authentication is not available: this connection to "
                    + Addresses.hostPort(session.info.originalDestination()) + " was intercepted by a mail gateway");
            return;
        }
        if (!session.context.authenticators.present()) {
            session.badCommand("502 5.5.1 Error: authentication not enabled");
            return;
        }
        if (!session.info.tls() && !session.settings.authWithoutTls()) {
            session.reply("538 5.7.11 Encryption required for requested authentication mechanism");
            return;
        }
        if (session.info.user() != null) {
            session.badCommand("503 5.5.1 Error: already authenticated");
            return;
        }
        if (session.transaction != null) {
            session.badCommand("503 5.5.1 Error: MAIL transaction in progress");
            return;
        }
        String[] words = args.strip().split(" +");
        if (words[0].isEmpty() || words.length > 2) {
            session.badCommand("501 5.5.4 Syntax: AUTH mechanism [initial-response]");
            return;
        }
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        String initial = words.length == 2 ? words[1] : null;
        String[] credentials;
        switch (mechanism) {
            case "PLAIN" -> credentials = plain(session, initial);
            case "LOGIN" -> credentials = login(session, initial);
            default -> {
                session.badCommand("504 5.5.4 Unrecognized authentication type");
                return;
            }
        }
        if (credentials == null) {
            return; // a reply was sent already
        }
        check(session, mechanism, credentials[0], credentials[1].toCharArray());
    }

    private static void check(SmtpSession session, String mechanism, String user, char[] password) throws IOException {
        String client = session.info.clientAddress();
        AuthGate.Result result;
        try {
            result = session.context.authGate.attempt(client, () -> session.context.authenticators.authenticate(user, password));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionLost(ConnectionLost.Cause.CLOSED_BY_SERVER, "interrupted");
        } finally {
            Arrays.fill(password, '\0');
        }
        switch (result.outcome()) {
            case BUSY -> {
                LOG.info("AUTH {} from {} not checked: too many attempts under way; answering 454", mechanism, client);
                session.context.sessions.authenticated(session.info, mechanism, false);
                session.reply("454 4.7.0 Temporary authentication failure: too many attempts, try again later");
            }
            case REFUSED -> {
                session.context.warnings.warn(LOG, "auth-failed", "AUTH {} failed for user '{}' from {} (failure {}); "
                        + "its next check waits {} ms", mechanism, Printable.of(user), client, result.failures(),
                        session.context.authGate.delay(result.failures()));
                session.context.sessions.authenticated(session.info, mechanism, false);
                session.badCommand("535 5.7.8 Authentication credentials invalid");
            }
            case ACCEPTED -> {
                session.info.authenticated(result.name());
                String refusal = session.policy(PolicyStage.AUTH, null, null);
                if (refusal != null) {
                    session.info.authenticated(null);
                    session.context.sessions.authenticated(session.info, mechanism, false);
                    LOG.info("AUTH {} for '{}' from {} refused by policy: {}", mechanism, result.name(), client, refusal);
                    session.reply(refusal);
                    return;
                }
                LOG.info("AUTH {} succeeded for '{}' from {}", mechanism, result.name(), client);
                session.context.sessions.authenticated(session.info, mechanism, true);
                session.reply("235 2.7.0 Authentication successful");
            }
        }
    }

    /** PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd. */
    private static String[] plain(SmtpSession session, String initial) throws IOException {
        String response = initial != null ? initial : challenge(session, "");
        byte[] decoded = response == null ? null : decode(session, response);
        if (decoded == null) {
            return null;
        }
        String[] parts = new String(decoded, StandardCharsets.UTF_8).split("\0", -1);
        if (parts.length != 3 || parts[1].isEmpty() || !parts[0].isEmpty() && !parts[0].equals(parts[1])) {
            session.badCommand("501 5.5.2 Malformed PLAIN response");
            return null;
        }
        return new String[] {parts[1], parts[2]};
    }

    /** LOGIN: user name and password, each in answer to its challenge. */
    private static String[] login(SmtpSession session, String initial) throws IOException {
        String userResponse = initial != null ? initial : challenge(session, "VXNlcm5hbWU6"); // "Username:"
        byte[] user = userResponse == null ? null : decode(session, userResponse);
        if (user == null) {
            return null;
        }
        String passwordResponse = challenge(session, "UGFzc3dvcmQ6"); // "Password:"
        byte[] password = passwordResponse == null ? null : decode(session, passwordResponse);
        if (password == null) {
            return null;
        }
        return new String[] {new String(user, StandardCharsets.UTF_8), new String(password, StandardCharsets.UTF_8)};
    }

    /** Sends a 334 challenge and reads the answer; null (after a reply) if the client cancelled or sent no line. */
    private static String challenge(SmtpSession session, String challenge) throws IOException {
        session.reply("334 " + challenge);
        session.connection.flush();
        session.connection.startRequest();
        Input.Line answer = session.connection.input.readLine(MAX_RESPONSE);
        if (answer.problem() != null) {
            session.badCommand("501 5.5.2 Error: the response is not a line of base64");
            return null;
        }
        if (answer.text().equals("*")) {
            session.reply("501 5.7.0 Authentication cancelled");
            return null;
        }
        return answer.text();
    }

    private static byte[] decode(SmtpSession session, String base64) throws IOException {
        try {
            return Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            session.badCommand("501 5.5.2 Cannot decode the response");
            return null;
        }
    }
}
