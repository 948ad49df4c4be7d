package smtp.delivery.api;

/** What the delivery service would do with a recipient address. */
public enum RecipientStatus {
    /** A mailbox of a local domain: delivered locally. */
    LOCAL,
    /** An address in a local domain that has no such mailbox: refused permanently. */
    UNKNOWN,
    /** An address outside the local domains: relayed onwards. */
    REMOTE
}
