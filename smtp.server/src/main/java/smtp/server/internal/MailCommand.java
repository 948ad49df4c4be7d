package smtp.server.internal;

import java.io.IOException;
import java.util.Locale;

import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/** MAIL FROM: starts a transaction, after checking the path and the SIZE and BODY parameters. */
final class MailCommand extends BaseCommand {

    private final ServerContext context;
    private final EndpointSettings settings;

    MailCommand(ServerContext context, EndpointSettings settings) {
        super("MAIL", "Starts a mail transaction.", "FROM:<sender> [SIZE=n] [BODY=7BIT|8BITMIME]");
        this.context = context;
        this.settings = settings;
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        if (session.getHelo().isEmpty()) {
            context.badCommands.reply(session, "503 5.5.1 Error: send HELO/EHLO first");
            return;
        }
        if (settings.requireTls() && !session.isTLSStarted()) {
            session.sendResponse("530 5.7.0 Must issue a STARTTLS command first");
            return;
        }
        Sessions.State state = context.sessions.state(session);
        if (state != null && state.messages >= context.maxMessagesPerConnection) {
            session.sendResponse("421 4.7.0 Too many messages in this connection, closing it");
            session.quit();
            return;
        }
        if (settings.requireAuth() && AuthCommand.user(session) == null) {
            session.sendResponse("530 5.7.0 Authentication required");
            return;
        }
        if (session.isMailTransactionInProgress()) {
            context.badCommands.reply(session, "503 5.5.1 Error: nested MAIL command");
            return;
        }
        String args = getArgPredicate(commandString);
        if (!args.regionMatches(true, 0, "FROM:", 0, 5)) {
            context.badCommands.reply(session, "501 5.5.4 Syntax: MAIL FROM:<address>");
            return;
        }
        SmtpPath path = SmtpPath.parse(args.substring(5));
        if (path == null) {
            context.badCommands.reply(session, "501 5.1.7 Bad sender address syntax");
            return;
        }
        long size = 0;
        for (String parameter : path.parameters.isEmpty() ? new String[0] : path.parameters.split(" +")) {
            String upper = parameter.toUpperCase(Locale.ROOT);
            if (upper.startsWith("SIZE=") && upper.length() > 5 && upper.substring(5).chars().allMatch(Character::isDigit)) {
                size = upper.length() > 15 ? Long.MAX_VALUE : Long.parseLong(upper.substring(5));
            } else if (!upper.equals("BODY=7BIT") && !upper.equals("BODY=8BITMIME")) {
                context.badCommands.reply(session, "555 5.5.4 Unsupported option: " + parameter);
                return;
            }
        }
        if (size > context.maxMessageSize) {
            session.sendResponse("552 5.3.4 Message size exceeds fixed maximum message size of "
                    + context.maxMessageSize + " bytes");
            return;
        }
        session.setDeclaredMessageSize((int) size);
        session.startMailTransaction();
        try {
            session.getMessageHandler().from(path.address);
        } catch (RejectException e) {
            session.resetMailTransaction();
            session.sendResponse(e.getErrorResponse());
            return;
        }
        session.sendResponse("250 2.1.0 Ok");
    }
}
