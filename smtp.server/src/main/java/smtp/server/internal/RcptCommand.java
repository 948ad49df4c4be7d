package smtp.server.internal;

import java.io.IOException;

import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/** RCPT TO: adds a recipient, within the limit and the policy of the transaction. */
final class RcptCommand extends BaseCommand {

    private final ServerContext context;

    RcptCommand(ServerContext context) {
        super("RCPT", "Adds a recipient.", "TO:<recipient>");
        this.context = context;
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        if (!session.isMailTransactionInProgress()) {
            context.badCommands.reply(session, "503 5.5.1 Error: need MAIL command");
            return;
        }
        if (session.getRecipientCount() >= session.getServer().getMaxRecipients()) {
            session.sendResponse("452 4.5.3 Error: too many recipients");
            return;
        }
        String args = getArgPredicate(commandString);
        if (!args.regionMatches(true, 0, "TO:", 0, 3)) {
            context.badCommands.reply(session, "501 5.5.4 Syntax: RCPT TO:<address>");
            return;
        }
        SmtpPath path = SmtpPath.parse(args.substring(3));
        if (path == null || path.address.isEmpty()) {
            context.badCommands.reply(session, "501 5.1.3 Bad recipient address syntax");
            return;
        }
        if (!path.parameters.isEmpty()) {
            context.badCommands.reply(session, "555 5.5.4 Unsupported option: " + path.parameters);
            return;
        }
        try {
            session.getMessageHandler().recipient(path.address);
        } catch (RejectException e) {
            session.sendResponse(e.getErrorResponse());
            return;
        }
        session.addRecipient(path.address);
        session.sendResponse("250 2.1.5 Ok");
    }
}
