package smtp.server.internal.protocol;

import java.util.Locale;

/** How a binding uses TLS. */
public enum TlsMode {
    /** Plain SMTP; STARTTLS is not offered. */
    NONE,
    /** Plain SMTP that offers STARTTLS (RFC 3207), for ports 25 and 587. */
    STARTTLS,
    /** TLS from the first byte (RFC 8314), for port 465. */
    IMPLICIT;

    /** @throws IllegalArgumentException naming the accepted words */
    public static TlsMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tlsMode '" + text + "' is not one of none, starttls, implicit");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
