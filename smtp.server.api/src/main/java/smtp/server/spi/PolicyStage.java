package smtp.server.spi;

/** The points of an SMTP session at which {@link PolicyPlugin}s are asked. */
public enum PolicyStage {
    /** A client connected; asked before the greeting. */
    CONNECT,
    /** The client named itself with HELO or EHLO; asked before the reply. */
    HELO,
    /** The client authenticated; asked before the 235 reply. */
    AUTH,
    /** MAIL FROM, its syntax and parameters checked; asked before the reply. */
    MAIL,
    /** One RCPT TO, the recipient accepted by the server's own checks; asked before the reply. */
    RCPT,
    /** The whole message was received; asked before it is handed to delivery. */
    END_OF_MESSAGE
}
