package smtp.server.internal;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.internal.server.CommandException;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.CommandHandler;
import org.subethamail.smtp.server.Session;

/**
 * The listener's command table. SubEthaSMTP answers a verb it does not know
 * itself, with no enhanced status code and no count; so its table is replaced
 * by one that hands unknown verbs to {@link Unknown}, which answers
 * {@code 500 5.5.2} and counts the error. (SubEthaSMTP 7.2.2 keeps the table in
 * the private field {@code CommandHandler.commandMap}; a test covers it.)
 * Every command passes {@link Draining} first.
 */
final class CommandTable extends HashMap<String, Command> {

    private static final long serialVersionUID = 1L;

    private final transient Command unknown;

    private CommandTable(Map<String, Command> known, Command unknown, Sessions sessions) {
        known.forEach((verb, command) -> put(verb, new Draining(command, sessions)));
        this.unknown = new Draining(unknown, sessions);
    }

    static void install(CommandHandler handler, Command unknown, Sessions sessions) {
        try {
            Field field = CommandHandler.class.getDeclaredField("commandMap");
            field.setAccessible(true);
            @SuppressWarnings("unchecked")
            Map<String, Command> known = (Map<String, Command>) field.get(handler);
            field.set(handler, new CommandTable(known, unknown, sessions));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this SubEthaSMTP has no CommandHandler.commandMap to extend", e);
        }
    }

    /**
     * SubEthaSMTP looks a line up by its first four characters, then by its
     * first word: a four-character prefix of a longer verb (STAR for STARTTLS)
     * must miss, so that the second look-up happens.
     */
    @Override
    public Command get(Object key) {
        Command command = super.get(key);
        if (command != null || isPrefixOfKnownVerb(key)) {
            return command;
        }
        return unknown;
    }

    private boolean isPrefixOfKnownVerb(Object key) {
        Set<String> verbs = keySet();
        for (String verb : verbs) {
            if (verb.length() > 4 && verb.startsWith(String.valueOf(key))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs a command, unless the session's server is draining and no mail transaction is in progress:
     * then the client is told 421 and the connection closes. A transaction under way finishes first.
     */
    static final class Draining implements Command {
        private final Command command;
        private final Sessions sessions;

        Draining(Command command, Sessions sessions) {
            this.command = command;
            this.sessions = sessions;
        }

        @Override
        public void execute(String commandString, Session session) throws IOException, DropConnectionException {
            Sessions.State state = sessions.state(session);
            if (state != null) {
                state.commandLock.lock();
            }
            try {
                if (sessions.draining(session) && !session.isMailTransactionInProgress() && !"QUIT".equals(getName())) {
                    session.sendResponse("421 4.3.2 Service shutting down, try again later");
                    session.quit();
                    return;
                }
                command.execute(commandString, session);
            } finally {
                if (state != null) {
                    state.commandLock.unlock();
                }
            }
        }

        @Override
        public HelpMessage getHelp() throws CommandException {
            return command.getHelp();
        }

        @Override
        public String getName() {
            return command.getName();
        }
    }

    /** What a verb the listener does not know gets. */
    static final class Unknown extends BaseCommand {
        private final BadCommands badCommands;

        Unknown(BadCommands badCommands) {
            super("UNKNOWN", "Any verb the listener does not know.");
            this.badCommands = badCommands;
        }

        @Override
        public void execute(String commandString, Session session) throws IOException {
            badCommands.reply(session, "500 5.5.2 Error: command not recognized");
        }
    }
}
