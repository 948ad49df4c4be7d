package smtp.server.internal.net;

import java.util.regex.Pattern;

/** Tells IP address literals from host names, so that parsing one never asks DNS. */
public final class IpLiterals {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[\\w.-]+)?");

    private IpLiterals() {}

    public static boolean isLiteral(String text) {
        return IPV4.matcher(text).matches() || text.contains(":") && IPV6.matcher(text).matches();
    }
}
