package smtp.server.internal.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import smtp.server.internal.message.MailTransaction;
import smtp.server.internal.message.Pipeline;

/**
 * BDAT (RFC 3030, CHUNKING and BINARYMIME): the message in chunks of a stated
 * size, the last one marked LAST. The first BDAT of a transaction starts the
 * pipeline; the chunks after it are read by {@link ChunkReader} as the pipeline
 * asks for more. A chunk's bytes are always read (or the connection closed), so
 * that none of them is taken for commands. After a refused chunk the
 * transaction ends and the client's further chunks are dropped.
 */
final class BdatCommand {

    /** The chunked transfer stopped before its LAST chunk: RSET, QUIT, or too many errors. */
    static final class Interrupted extends IOException {
        private static final long serialVersionUID = 1L;

        final String verb;

        Interrupted(String verb) {
            super("the chunked message was interrupted by " + verb, null);
            this.verb = verb;
        }
    }

    /** A BDAT command's arguments. */
    record Chunk(long size, boolean last) {}

    private BdatCommand() {}

    static void run(SmtpSession session, String args) throws IOException {
        Chunk chunk = chunk(session, args);
        if (chunk == null) {
            return;
        }
        MailTransaction mail = session.transaction;
        if (mail == null || mail.recipients().isEmpty()) {
            skip(session, chunk.size());
            if (session.skippingChunks) {
                session.skippingChunks = !chunk.last();
                session.reply("554 5.5.0 Error: the message was refused; chunk dropped");
            } else if (mail == null) {
                session.badCommand("503 5.5.1 Error: need MAIL command");
            } else if (!mail.rcptGiven) {
                session.badCommand("503 5.5.1 Error: need RCPT command");
            } else {
                session.reply("554 5.5.1 Error: no valid recipients");
            }
            return;
        }
        Connection connection = session.connection;
        connection.startTransfer();
        connection.input.enlarge(session.context.inputBuffers.take());
        ChunkReader chunks = new ChunkReader(session, chunk);
        String reply;
        try {
            reply = DataCommand.receive(session, mail, new Pipeline.Content() {
                @Override
                public InputStream stream() {
                    return chunks;
                }

                @Override
                public String violation() {
                    return null; // sizes are counted, not lines: a bare CR or LF cannot end a message early
                }
            });
            if (chunks.interrupted() != null) {
                throw chunks.interrupted();
            }
            chunks.discardChunk();
        } catch (Interrupted e) {
            session.transaction = null;
            switch (e.verb) {
                case "RSET" -> session.reply("250 2.0.0 Ok");
                case "QUIT" -> {
                    session.reply("221 2.0.0 Bye");
                    session.quit = true;
                }
                default -> session.quit = true; // too many errors: the 421 is out already
            }
            return;
        } finally {
            session.context.inputBuffers.give(connection.input.shrink());
        }
        session.transaction = null;
        session.skippingChunks = !chunks.last();
        session.reply(reply);
    }

    /**
     * @return the chunk the arguments describe; null (after the reply, and with the session ending) when they
     *         describe none: without a valid size, the chunk cannot be told from the commands after it
     */
    static Chunk chunk(SmtpSession session, String args) {
        String[] words = args.strip().split(" +");
        boolean last = words.length == 2 && words[1].toUpperCase(Locale.ROOT).equals("LAST");
        if (words.length < 1 || words.length > 2 || words.length == 2 && !last || words[0].isEmpty()
                || words[0].length() > 18 || !words[0].chars().allMatch(c -> c >= '0' && c <= '9')) {
            session.reply("501 5.5.4 Syntax: BDAT <size> [LAST]; closing connection");
            session.quit = true;
            return null;
        }
        long size = Long.parseLong(words[0]);
        if (size > session.context.limits.maxMessageSize()) {
            session.reply("552 5.3.4 Chunk larger than the maximum message size of "
                    + session.context.limits.maxMessageSize() + " bytes; closing connection");
            session.quit = true;
            return null;
        }
        return new Chunk(size, last);
    }

    /** Reads a chunk's bytes and drops them. */
    static void skip(SmtpSession session, long size) throws IOException {
        Input input = session.connection.input;
        session.connection.startTransfer();
        for (long left = size; left > 0; ) {
            if (input.available() == 0) {
                input.fill();
            }
            int n = (int) Math.min(left, input.available());
            input.skip(n);
            left -= n;
        }
    }
}
