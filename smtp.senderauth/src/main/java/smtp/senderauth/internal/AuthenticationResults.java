package smtp.senderauth.internal;

import java.util.List;

/** The Authentication-Results header field's value (RFC 8601) for the SPF, DKIM and DMARC results of a message. */
final class AuthenticationResults {

    private AuthenticationResults() {}

    static String of(String authservId, Spf.Outcome spf, List<Dkim.Verdict> dkim, Dmarc.Verdict dmarc) {
        StringBuilder value = new StringBuilder(authservId);
        value.append("; spf=").append(spf.result().word());
        if (spf.reason() != null) {
            value.append(" (").append(comment(spf.reason())).append(')');
        }
        value.append(" smtp.mailfrom=").append(spf.sender());
        if (dkim.isEmpty()) {
            value.append("; dkim=none");
        }
        for (Dkim.Verdict signature : dkim) {
            value.append("; dkim=").append(signature.result().word());
            if (signature.reason() != null) {
                value.append(" (").append(comment(signature.reason())).append(')');
            }
            value.append(" header.d=").append(signature.domain()).append(" header.s=").append(signature.selector());
        }
        value.append("; dmarc=").append(dmarc.result().word());
        if (dmarc.policy() != null) {
            value.append(" (p=").append(dmarc.policy()).append(')');
        }
        if (dmarc.fromDomain() != null) {
            value.append(" header.from=").append(dmarc.fromDomain());
        }
        return value.toString();
    }

    /** @return text that can stand in a comment: no parentheses, no backslashes, printable */
    private static String comment(String text) {
        StringBuilder clean = new StringBuilder();
        for (char c : text.toCharArray()) {
            clean.append(c < 32 || c > 126 || c == '(' || c == ')' || c == '\\' ? ' ' : c);
        }
        return clean.toString().strip();
    }
}
