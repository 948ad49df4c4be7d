package smtp.webconsole.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Protects the page's actions against cross-site request forgery. Every form
 * carries a token that only pages of the console can read (a random value, new
 * with every start), and a request whose Origin or Referer names another site is
 * refused even with it.
 */
final class CsrfGuard {

    static final String PARAMETER = "token";

    private final String token;

    CsrfGuard() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
    }

    String token() {
        return token;
    }

    /**
     * @param given the token the request carries, or null
     * @param origin the request's Origin header, or null
     * @param referer the request's Referer header, or null
     * @param self this console's origin as the request reached it: "http://127.0.0.1:8080"
     * @return null if the request may act, else why not
     */
    String refusal(String given, String origin, String referer, String self) {
        if (given == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.US_ASCII),
                given.getBytes(StandardCharsets.US_ASCII))) {
            return "the form is stale or forged (no valid token): reload the page and try again";
        }
        if (origin != null && !origin.equals("null") && !origin.equalsIgnoreCase(self)) {
            return "the request came from another site (" + origin + ")";
        }
        if (origin == null && referer != null && !referer.regionMatches(true, 0, self + "/", 0, self.length() + 1)) {
            return "the request came from another site (" + referer + ")";
        }
        return null;
    }
}
