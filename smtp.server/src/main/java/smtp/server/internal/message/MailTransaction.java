package smtp.server.internal.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One mail transaction as the client gives it, from MAIL to the end of the
 * message: the reverse path with its ESMTP parameters, and the accepted
 * recipients with theirs.
 */
public final class MailTransaction {

    /** A recipient accepted by RCPT, with its DSN parameters (RFC 3461). */
    public record Recipient(String address, String notifyOn, String orcpt) {}

    public final String reversePath;
    /** BODY: 7BIT, 8BITMIME or BINARYMIME; null when not given. */
    public String body;
    /** SMTPUTF8 was given (RFC 6531). */
    public boolean smtputf8;
    /** REQUIRETLS was given (RFC 8689). */
    public boolean requireTls;
    /** DSN RET: FULL or HDRS; null when not given. */
    public String ret;
    /** DSN ENVID, as the client sent it (xtext); null when not given. */
    public String envid;
    /** Whether any RCPT was given, taken or not: DATA without one is out of sequence (503), after refused ones 554. */
    public boolean rcptGiven;
    /** SIZE as declared, or 0. */
    public long declaredSize;
    /** The ESMTP parameters of MAIL as given, keywords in upper case (for the policy plugins). */
    public Map<String, String> parameters = Map.of();
    /** Header fields the policy plugins added, to go on top of the message. */
    public final List<String> headers = new ArrayList<>();
    /** Why a policy plugin wants the message quarantined, or null. */
    public String quarantine;
    /** Why a policy plugin wants the message dropped, or null. */
    public String discard;
    private final List<Recipient> recipients = new ArrayList<>();

    public MailTransaction(String reversePath) {
        this.reversePath = reversePath;
    }

    public void add(Recipient recipient) {
        recipients.add(recipient);
    }

    public List<Recipient> recipients() {
        return recipients;
    }

    /** @return the recipients' addresses, in order */
    public List<String> addresses() {
        List<String> addresses = new ArrayList<>(recipients.size());
        for (Recipient recipient : recipients) {
            addresses.add(recipient.address());
        }
        return addresses;
    }

    public boolean binary() {
        return "BINARYMIME".equals(body);
    }
}
