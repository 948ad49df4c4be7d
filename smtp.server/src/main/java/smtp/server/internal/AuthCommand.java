package smtp.server.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * AUTH (RFC 4954) with the PLAIN and LOGIN mechanisms, checked by the
 * {@code Authenticator} services. Offered only on TLS-protected sessions,
 * unless the binding allows it without TLS (loopback addresses only). Wrong
 * credentials get 535 after a delay that grows with each failure of the client.
 */
final class AuthCommand extends BaseCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AuthCommand.class);
    static final String MECHANISMS = "PLAIN LOGIN";

    private final ServerContext context;
    private final EndpointSettings settings;

    AuthCommand(ServerContext context, EndpointSettings settings) {
        super("AUTH", "Authenticates the client.", "PLAIN|LOGIN [initial response]");
        this.context = context;
        this.settings = settings;
    }

    /** @return true if EHLO should offer AUTH to this session now */
    boolean available(Session session) {
        return context.authenticators.present() && (session.isTLSStarted() || settings.authWithoutTls())
                && user(session) == null;
    }

    static String user(Session session) {
        return session.getAuthenticationHandler().isPresent() ? session.getAuthenticationHandler().get().getIdentity().toString() : null;
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        if (!context.authenticators.present()) {
            session.sendResponse("502 5.5.1 Error: authentication not enabled");
            return;
        }
        if (!session.isTLSStarted() && !settings.authWithoutTls()) {
            session.sendResponse("538 5.7.11 Encryption required for requested authentication mechanism");
            return;
        }
        if (user(session) != null) {
            context.badCommands.reply(session, "503 5.5.1 Error: already authenticated");
            return;
        }
        if (session.isMailTransactionInProgress()) {
            context.badCommands.reply(session, "503 5.5.1 Error: MAIL transaction in progress");
            return;
        }
        String[] args = getArgs(commandString);
        if (args.length < 2 || args.length > 3) {
            context.badCommands.reply(session, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
            return;
        }
        String mechanism = args[1].toUpperCase(Locale.ROOT);
        String initial = args.length == 3 ? args[2] : null;
        String[] credentials;
        switch (mechanism) {
            case "PLAIN" -> credentials = plain(session, initial);
            case "LOGIN" -> credentials = login(session, initial);
            default -> {
                context.badCommands.reply(session, "504 5.5.4 Unrecognized authentication type");
                return;
            }
        }
        if (credentials == null) {
            return; // a reply was sent already
        }
        char[] password = credentials[1].toCharArray();
        String client = session.getRemoteAddress().getAddress().getHostAddress();
        String name;
        try {
            name = context.authenticators.authenticate(credentials[0], password);
        } finally {
            Arrays.fill(password, '\0');
        }
        if (name == null) {
            long delay = context.authFailures.failed(client);
            LOG.warn("AUTH {} failed for user '{}' from {}; answering 535 after {} ms", mechanism,
                    printable(credentials[0]), client, delay);
            sleep(delay);
            session.sendResponse("535 5.7.8 Authentication credentials invalid");
            return;
        }
        context.authFailures.succeeded(client);
        session.setAuthenticationHandler(new Authenticated(name));
        context.sessions.authenticated(session, name);
        LOG.info("AUTH {} succeeded for '{}' from {}", mechanism, name, client);
        session.sendResponse("235 2.7.0 Authentication successful");
    }

    /** PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd. */
    private String[] plain(Session session, String initial) throws IOException {
        String response = initial != null ? initial : challenge(session, "");
        if (response == null) {
            return null;
        }
        byte[] decoded = decode(session, response);
        if (decoded == null) {
            return null;
        }
        String[] parts = new String(decoded, StandardCharsets.UTF_8).split("\0", -1);
        if (parts.length != 3 || parts[1].isEmpty() || !parts[0].isEmpty() && !parts[0].equals(parts[1])) {
            context.badCommands.reply(session, "501 5.5.2 Malformed PLAIN response");
            return null;
        }
        return new String[] {parts[1], parts[2]};
    }

    /** LOGIN: user name and password, each in answer to its challenge. */
    private String[] login(Session session, String initial) throws IOException {
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

    /** Sends a 334 challenge and reads the answer; null (after a reply) if the client cancelled. */
    private String challenge(Session session, String challenge) throws IOException {
        session.sendResponse("334 " + challenge);
        String answer = session.getReader().readLine();
        if (answer == null) {
            throw new IOException("connection closed during AUTH");
        }
        if (answer.equals("*")) {
            session.sendResponse("501 5.7.0 Authentication cancelled");
            return null;
        }
        return answer;
    }

    private byte[] decode(Session session, String base64) throws IOException {
        try {
            return Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            context.badCommands.reply(session, "501 5.5.2 Cannot decode the response");
            return null;
        }
    }

    private static String printable(String text) {
        String cut = text.length() > 64 ? text.substring(0, 64) : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What SubEthaSMTP keeps for an authenticated session: the name it is known by. */
    private record Authenticated(String name) implements org.subethamail.smtp.AuthenticationHandler {
        @Override
        public java.util.Optional<String> auth(String clientInput, org.subethamail.smtp.MessageContext context) {
            return java.util.Optional.empty();
        }

        @Override
        public Object getIdentity() {
            return name;
        }
    }
}
