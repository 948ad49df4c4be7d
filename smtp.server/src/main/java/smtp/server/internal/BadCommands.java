package smtp.server.internal;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.server.Session;

/**
 * Counts the commands of a session that were refused as unknown, malformed or
 * out of sequence; past the limit the client is told 421 and disconnected.
 */
final class BadCommands {

    private static final Logger LOG = LoggerFactory.getLogger(BadCommands.class);

    private final int limit;
    private final Map<Session, Integer> counts = new ConcurrentHashMap<>();

    BadCommands(int limit) {
        this.limit = limit;
    }

    /** Sends the refusal, or 421 and a disconnect when it is one refusal too many. */
    void reply(Session session, String refusal) throws IOException {
        int count = counts.merge(session, 1, Integer::sum);
        if (count > limit) {
            LOG.info("{}: {} bad commands; disconnected", session.getRemoteAddress(), count);
            session.sendResponse("421 4.7.0 Too many errors, closing connection");
            session.quit();
            return;
        }
        session.sendResponse(refusal);
    }

    void forget(Session session) {
        counts.remove(session);
    }
}
