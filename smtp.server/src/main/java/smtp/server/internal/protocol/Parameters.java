package smtp.server.internal.protocol;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The ESMTP parameters after a path (RFC 5321 4.1.2): {@code KEYWORD[=value]}
 * separated by spaces, keywords case-insensitive, each at most once; and the
 * xtext encoding (RFC 3461 4) of DSN values.
 */
final class Parameters {

    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
    /** RFC 3461 4: chars 33 to 126 but + and =, or + and two upper-case hex digits. */
    private static final Pattern XTEXT = Pattern.compile("([\\x21-\\x2a\\x2c-\\x3c\\x3e-\\x7e]|\\+[0-9A-F]{2})*");

    private Parameters() {}

    /**
     * @return the parameters, keywords in upper case, values as given (null for a keyword without one); null when
     *         the text is not parameters (a malformed or repeated one)
     */
    static Map<String, String> parse(String text) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return parameters;
        }
        for (String parameter : text.split(" +")) {
            int eq = parameter.indexOf('=');
            String keyword = eq < 0 ? parameter : parameter.substring(0, eq);
            String value = eq < 0 ? null : parameter.substring(eq + 1);
            if (!KEYWORD.matcher(keyword).matches() || value != null && value.isEmpty()
                    || parameters.containsKey(keyword.toUpperCase(Locale.ROOT))) {
                return null;
            }
            parameters.put(keyword.toUpperCase(Locale.ROOT), value);
        }
        return parameters;
    }

    static boolean isXtext(String value) {
        return XTEXT.matcher(value).matches();
    }
}
