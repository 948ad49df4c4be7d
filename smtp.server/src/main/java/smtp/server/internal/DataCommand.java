package smtp.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * DATA: reads the message up to the lone dot ({@link DataReader}) and hands it to the transaction.
 * Whatever the outcome, the whole message is read, so that none of it is taken
 * for commands, and the transaction ends.
 */
final class DataCommand extends BaseCommand {

    private final ServerContext context;
    private final EndpointSettings settings;

    DataCommand(ServerContext context, EndpointSettings settings) {
        super("DATA", "Sends the message, ended by a line with a single dot.");
        this.context = context;
        this.settings = settings;
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        if (!session.isMailTransactionInProgress()) {
            context.badCommands.reply(session, "503 5.5.1 Error: need MAIL command");
            return;
        }
        if (session.getRecipientCount() == 0) {
            context.badCommands.reply(session, "503 5.5.1 Error: need RCPT command");
            return;
        }
        if (!getArgPredicate(commandString).isEmpty()) {
            context.badCommands.reply(session, "501 5.5.4 Syntax: DATA");
            return;
        }
        session.sendResponse("354 End data with <CR><LF>.<CR><LF>");
        String reply;
        try (InputStream message = new DataReader(session.getRawInput(), settings.lineEndings(), context.dataBuffers)) {
            try {
                reply = "250 " + session.getMessageHandler().data(message);
            } catch (RejectException e) {
                reply = e.getErrorResponse();
            }
            message.transferTo(OutputStream.nullOutputStream());
        }
        session.resetMailTransaction();
        session.sendResponse(reply);
    }
}
