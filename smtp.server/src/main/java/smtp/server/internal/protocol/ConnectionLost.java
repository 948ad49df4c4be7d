package smtp.server.internal.protocol;

import java.io.IOException;

/**
 * The connection ended under the session: the client closed or reset it, it
 * stayed silent or too slow past its deadline, or the server closed it (session
 * deadline, shutdown). Logged as one line, never with a stack trace: any client
 * can cause it.
 */
final class ConnectionLost extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why the connection ended. */
    enum Cause {
        /** The client closed or reset the connection. */
        CLIENT_GONE,
        /** The client sent nothing for the idle timeout. */
        IDLE,
        /** The client sent a command or message slower than the minimum rate. */
        TOO_SLOW,
        /** The server closed the connection (session deadline, drain, shutdown). */
        CLOSED_BY_SERVER
    }

    final Cause cause;

    ConnectionLost(Cause cause, String message) {
        super(message, null);
        this.cause = cause;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // never logged with one
    }
}
