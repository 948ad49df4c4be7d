package smtp.server.internal;

import java.io.IOException;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.internal.server.CommandHandler;
import org.subethamail.smtp.server.Session;

/**
 * The commands outside a mail transaction. They replace SubEthaSMTP's own so
 * that every reply carries an enhanced status code (RFC 2034) and EHLO
 * advertises what the listener really does (STARTTLS only where it can start
 * TLS now).
 */
final class SessionCommands {

    private SessionCommands() {}

    /** Installs all of the listener's commands into a SubEthaSMTP command table. */
    static void install(CommandHandler commands, ServerContext context, EndpointSettings settings) {
        StartTlsCommand startTls = new StartTlsCommand(context, settings);
        AuthCommand auth = new AuthCommand(context, settings);
        commands.addCommand(startTls);
        commands.addCommand(auth);
        commands.addCommand(new Hello(context, startTls, auth, false));
        commands.addCommand(new Hello(context, startTls, auth, true));
        commands.addCommand(new Reply("RSET", "Aborts the mail transaction.", true, "250 2.0.0 Ok"));
        commands.addCommand(new Reply("NOOP", "Does nothing.", false, "250 2.0.0 Ok"));
        commands.addCommand(new Quit());
        commands.addCommand(new Reply("VRFY", "Verifies an address (not revealed).", false,
                "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery"));
        commands.addCommand(new Reply("HELP", "Shows help.", false,
                "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP VRFY QUIT; see RFC 5321"));
        for (String verb : new String[] {"EXPN", "BDAT"}) {
            commands.addCommand(new Reply(verb, "Not available.", false, "502 5.5.1 Error: command not implemented"));
        }
        commands.addCommand(new MailCommand(context, settings));
        commands.addCommand(new RcptCommand(context));
        commands.addCommand(new DataCommand(context, settings));
        CommandTable.install(commands, new CommandTable.Unknown(context.badCommands), context.sessions);
    }

    /** HELO and EHLO: start over and greet. */
    private static final class Hello extends BaseCommand {
        private final ServerContext context;
        private final StartTlsCommand startTls;
        private final AuthCommand auth;
        private final boolean extended;

        Hello(ServerContext context, StartTlsCommand startTls, AuthCommand auth, boolean extended) {
            super(extended ? "EHLO" : "HELO", "Introduces the client.", "<domain>");
            this.context = context;
            this.startTls = startTls;
            this.auth = auth;
            this.extended = extended;
        }

        @Override
        public void execute(String commandString, Session session) throws IOException {
            String[] args = getArgs(commandString);
            if (args.length != 2) {
                context.badCommands.reply(session, "501 5.5.4 Syntax: " + getName() + " <domain>");
                return;
            }
            session.resetSmtpProtocol();
            session.setHelo(args[1]);
            Sessions.State state = context.sessions.state(session);
            if (state != null) {
                state.extended = extended;
            }
            if (!extended) {
                session.sendResponse("250 " + context.hostName);
                return;
            }
            session.sendResponse("250-" + context.hostName + "\r\n"
                    + "250-PIPELINING\r\n"
                    + "250-SIZE " + context.maxMessageSize + "\r\n"
                    + "250-8BITMIME\r\n"
                    + (startTls.available(session) ? "250-STARTTLS\r\n" : "")
                    + (auth.available(session) ? "250-AUTH " + AuthCommand.MECHANISMS + "\r\n" : "")
                    + "250 ENHANCEDSTATUSCODES");
        }
    }

    /** A command that always gives the same reply. */
    private static final class Reply extends BaseCommand {
        private final boolean resets;
        private final String reply;

        Reply(String verb, String help, boolean resets, String reply) {
            super(verb, help);
            this.resets = resets;
            this.reply = reply;
        }

        @Override
        public void execute(String commandString, Session session) throws IOException {
            if (resets) {
                session.resetMailTransaction();
            }
            session.sendResponse(reply);
        }
    }

    private static final class Quit extends BaseCommand {
        Quit() {
            super("QUIT", "Closes the connection.");
        }

        @Override
        public void execute(String commandString, Session session) throws IOException {
            session.sendResponse("221 2.0.0 Bye");
            session.quit();
        }
    }
}
