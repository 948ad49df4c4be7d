package smtp.server.internal.protocol;

/** What a binding does with bare CR and bare LF in a message. */
public enum LineEndings {
    /** Refuse the message (550 5.6.0) and read on to its real end. */
    REJECT,
    /** Store each bare CR or LF as CRLF. */
    NORMALISE
}
