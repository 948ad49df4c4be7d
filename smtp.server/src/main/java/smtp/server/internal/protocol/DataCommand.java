package smtp.server.internal.protocol;

import java.io.IOException;
import java.io.InputStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.message.MailTransaction;
import smtp.server.internal.message.Pipeline;

/**
 * DATA: reads the message up to the lone dot ({@link DataReader}) into the
 * pipeline. Whatever the outcome, the whole message is read, so that none of
 * it is taken for commands, and the transaction ends.
 */
final class DataCommand {

    private static final Logger LOG = LoggerFactory.getLogger(DataCommand.class);

    private DataCommand() {}

    static void run(SmtpSession session, String args) throws IOException {
        MailTransaction mail = session.transaction;
        if (mail == null) {
            session.badCommand("503 5.5.1 Error: need MAIL command");
            return;
        }
        if (!mail.rcptGiven) {
            session.badCommand("503 5.5.1 Error: need RCPT command");
            return;
        }
        if (mail.recipients().isEmpty()) {
            session.reply("554 5.5.1 Error: no valid recipients");
            return;
        }
        if (!args.isBlank()) {
            session.badCommand("501 5.5.4 Syntax: DATA");
            return;
        }
        if (mail.binary()) {
            session.badCommand("503 5.5.1 Error: a BODY=BINARYMIME message is sent with BDAT, not DATA");
            return;
        }
        session.reply("354 End data with <CR><LF>.<CR><LF>");
        Connection connection = session.connection;
        connection.startTransfer();
        ServerContext context = session.context;
        connection.input.enlarge(context.inputBuffers.take());
        String reply;
        try (DataReader reader = new DataReader(connection.input, session.settings.lineEndings(), context.dataBuffers)) {
            reply = receive(session, mail, new Pipeline.Content() {
                @Override
                public InputStream stream() {
                    return reader;
                }

                @Override
                public String violation() {
                    return reader.violation();
                }
            });
            reader.discardRest();
        } finally {
            context.inputBuffers.give(connection.input.shrink());
        }
        session.transaction = null;
        session.reply(reply);
    }

    /**
     * Runs the pipeline; a failure that is neither the message's nor the connection's is logged, and the client told
     * to try again later.
     */
    static String receive(SmtpSession session, MailTransaction mail, Pipeline.Content content) throws IOException {
        try {
            String reply = session.context.pipeline.receive(mail, session.info, session.connection.tlsDescription(), content);
            if (reply.startsWith("421")) {
                session.quit = true;
            }
            return reply;
        } catch (IOException e) {
            if (session.connection.lost() != null) {
                throw session.connection.lost();
            }
            if (e instanceof BdatCommand.Interrupted) {
                throw e;
            }
            LOG.warn("Session {} with {}: the message from <{}> could not be taken: {}", session.info.id,
                    session.info.clientAddress(), Printable.of(mail.reversePath), e.toString());
            return "451 4.3.0 The message could not be taken now, try again later";
        }
    }
}
