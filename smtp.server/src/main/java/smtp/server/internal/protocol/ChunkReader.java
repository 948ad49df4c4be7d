package smtp.server.internal.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The message of a chunked transfer as one stream: the bytes of each BDAT
 * chunk, taken straight from the read-ahead. When a chunk that is not the last
 * is used up, it is acknowledged and the next command read: another BDAT goes
 * on; NOOP is answered; RSET or QUIT interrupt the transfer; anything else is a
 * bad command.
 */
final class ChunkReader extends InputStream {

    private final SmtpSession session;
    private long remaining;
    private long size;
    private boolean last;
    /** Why the transfer stopped early, once it did. */
    private BdatCommand.Interrupted interrupted;

    ChunkReader(SmtpSession session, BdatCommand.Chunk first) {
        this.session = session;
        this.remaining = first.size();
        this.size = first.size();
        this.last = first.last();
    }

    /** @return whether the chunk being read is the last */
    boolean last() {
        return last;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (remaining == 0) {
            if (last) {
                return -1;
            }
            session.reply("250 2.0.0 " + size + " octets received");
            next();
        }
        Input input = session.connection.input;
        if (input.available() == 0) {
            input.fill();
        }
        int n = (int) Math.min(Math.min(length, remaining), input.available());
        System.arraycopy(input.buffer(), input.position(), buffer, offset, n);
        input.skip(n);
        remaining -= n;
        return n;
    }

    /** @return why the transfer stopped before its LAST chunk, or null */
    BdatCommand.Interrupted interrupted() {
        return interrupted;
    }

    private BdatCommand.Interrupted interrupt(String verb) {
        interrupted = new BdatCommand.Interrupted(verb);
        return interrupted;
    }

    /** Drops what is left of the chunk being read. */
    void discardChunk() throws IOException {
        BdatCommand.skip(session, remaining);
        remaining = 0;
    }

    /** Reads commands until the next BDAT of the transfer. */
    private void next() throws IOException {
        Connection connection = session.connection;
        while (true) {
            connection.startRequest();
            Input.Line line = connection.input.readLine(SmtpSession.MAX_LINE);
            String text = line.problem() == null ? line.text() : "";
            int space = text.indexOf(' ');
            String verb = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
            switch (verb) {
                case "BDAT" -> {
                    BdatCommand.Chunk chunk = BdatCommand.chunk(session, space < 0 ? "" : text.substring(space + 1));
                    if (chunk == null) {
                        throw interrupt("a bad BDAT");
                    }
                    remaining = chunk.size();
                    size = chunk.size();
                    last = chunk.last();
                    connection.startTransfer();
                    return;
                }
                case "RSET", "QUIT" -> throw interrupt(verb);
                case "NOOP" -> session.reply("250 2.0.0 Ok");
                default -> {
                    session.badCommand("503 5.5.1 Error: only BDAT, RSET, NOOP or QUIT in the middle of a chunked message");
                    if (session.quit) {
                        throw interrupt("too many errors");
                    }
                }
            }
        }
    }
}
