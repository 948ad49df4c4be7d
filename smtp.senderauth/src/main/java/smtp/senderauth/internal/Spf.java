package smtp.senderauth.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Sender Policy Framework (RFC 7208): check_host() of the client's
 * address for the MAIL FROM domain (or the HELO name for the null sender),
 * with the limits of section 4.6.4 (10 lookups, 2 void lookups) and the
 * macros of section 7.
 */
final class Spf {

    /** The results of section 2.6. */
    enum Result {
        NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A result, the domain it is for, and why (for the Authentication-Results comment and the log). */
    record Outcome(Result result, String domain, String sender, String reason) {}

    static final int MAX_LOOKUPS = 10;
    static final int MAX_VOID_LOOKUPS = 2;
    private static final Pattern MODIFIER = Pattern.compile("([a-zA-Z][a-zA-Z0-9_.-]*)=(.*)");
    private static final Pattern MECHANISM = Pattern.compile(
            "([-+~?]?)([a-zA-Z0-9]+)(?::([^/]*))?(?:/(\\d{1,3}))?(?://(\\d{1,3}))?");
    private static final Pattern MACRO = Pattern.compile("%\\{([slodipvhSLODIPVH])(\\d*)(r?)([.\\-+,/_=]*)\\}|%%|%_|%-");

    private final Dns dns;

    Spf(Dns dns) {
        this.dns = dns;
    }

    /** The counters of one check_host() and the facts its macros read. */
    private static final class Check {
        final InetAddress ip;
        final String sender;
        final String helo;
        int lookups;
        int voids;

        Check(InetAddress ip, String sender, String helo) {
            this.ip = ip;
            this.sender = sender;
            this.helo = helo;
        }
    }

    /** Thrown out of the evaluation with its final result. */
    private static final class Stop extends Exception {
        private static final long serialVersionUID = 1L;
        final Result result;

        Stop(Result result, String reason) {
            super(reason, null, false, false);
            this.result = result;
        }
    }

    /**
     * @param sender the MAIL FROM address; empty for the null sender, when the HELO name is checked
     */
    Outcome check(InetAddress ip, String sender, String helo) {
        String identity = sender == null || sender.isEmpty() ? "postmaster@" + helo : sender;
        String domain = identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (!domain.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)+")) {
            return new Outcome(Result.NONE, domain, identity, "no domain to check");
        }
        Check check = new Check(ip, identity, helo == null ? "unknown" : helo);
        try {
            Result result = checkHost(check, domain, 0);
            return new Outcome(result, domain, identity, null);
        } catch (Stop stop) {
            return new Outcome(stop.result, domain, identity, stop.getMessage());
        }
    }

    private Result checkHost(Check check, String domain, int depth) throws Stop {
        List<String> records = new ArrayList<>();
        try {
            for (String text : dns.txt(domain)) {
                String lower = text.toLowerCase(Locale.ROOT);
                if (lower.equals("v=spf1") || lower.startsWith("v=spf1 ")) {
                    records.add(text);
                }
            }
        } catch (Dns.TemporaryFailure e) {
            throw new Stop(Result.TEMPERROR, e.getMessage());
        }
        if (records.isEmpty()) {
            return Result.NONE;
        }
        if (records.size() > 1) {
            throw new Stop(Result.PERMERROR, domain + " publishes " + records.size() + " SPF records");
        }
        String redirect = null;
        for (String term : records.get(0).substring(6).trim().split(" +")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher modifier = MODIFIER.matcher(term);
            if (modifier.matches()) {
                if (modifier.group(1).equalsIgnoreCase("redirect")) {
                    if (redirect != null) {
                        throw new Stop(Result.PERMERROR, domain + ": two redirect modifiers");
                    }
                    redirect = modifier.group(2);
                }
                continue; // exp= and unknown modifiers
            }
            Matcher mechanism = MECHANISM.matcher(term);
            if (!mechanism.matches()) {
                throw new Stop(Result.PERMERROR, domain + ": '" + term + "' is no mechanism");
            }
            if (matches(check, domain, mechanism, depth)) {
                return switch (mechanism.group(1)) {
                    case "-" -> Result.FAIL;
                    case "~" -> Result.SOFTFAIL;
                    case "?" -> Result.NEUTRAL;
                    default -> Result.PASS;
                };
            }
        }
        if (redirect != null) {
            count(check);
            Result result = checkHost(check, target(check, domain, redirect), depth + 1);
            if (result == Result.NONE) {
                throw new Stop(Result.PERMERROR, domain + ": redirect to a domain without an SPF record");
            }
            return result;
        }
        return Result.NEUTRAL;
    }

    private boolean matches(Check check, String domain, Matcher mechanism, int depth) throws Stop {
        String name = mechanism.group(2).toLowerCase(Locale.ROOT);
        String argument = mechanism.group(3);
        int cidr4 = mechanism.group(4) == null ? 32 : Integer.parseInt(mechanism.group(4));
        int cidr6 = mechanism.group(5) == null ? 128 : Integer.parseInt(mechanism.group(5));
        if (cidr4 > 32 || cidr6 > 128) {
            throw new Stop(Result.PERMERROR, domain + ": a prefix length out of range");
        }
        boolean ipv6 = !(check.ip instanceof Inet4Address);
        int prefix = ipv6 ? cidr6 : cidr4;
        try {
            switch (name) {
                case "all" -> {
                    return true;
                }
                case "include" -> {
                    count(check);
                    if (argument == null) {
                        throw new Stop(Result.PERMERROR, domain + ": include without a domain");
                    }
                    Result included = checkHost(check, target(check, domain, argument), depth + 1);
                    return switch (included) {
                        case PASS -> true;
                        case FAIL, SOFTFAIL, NEUTRAL -> false;
                        case TEMPERROR -> throw new Stop(Result.TEMPERROR, "include:" + argument);
                        default -> throw new Stop(Result.PERMERROR, domain + ": include:" + argument + " has no SPF record");
                    };
                }
                case "a" -> {
                    count(check);
                    return within(check, dns.addresses(argument == null ? domain : target(check, domain, argument), ipv6),
                            prefix);
                }
                case "mx" -> {
                    count(check);
                    List<String> hosts = dns.mx(argument == null ? domain : target(check, domain, argument));
                    if (hosts.isEmpty()) {
                        voided(check);
                    }
                    if (hosts.size() > 10) {
                        throw new Stop(Result.PERMERROR, domain + ": more than 10 MX hosts");
                    }
                    for (String host : hosts) {
                        if (within(check, dns.addresses(host, ipv6), prefix)) {
                            return true;
                        }
                    }
                    return false;
                }
                case "ptr" -> {
                    count(check);
                    String target = argument == null ? domain : target(check, domain, argument);
                    List<String> names = dns.ptr(check.ip);
                    for (String host : names.subList(0, Math.min(10, names.size()))) {
                        String lower = host.toLowerCase(Locale.ROOT);
                        if ((lower.equals(target) || lower.endsWith("." + target))
                                && dns.addresses(host, ipv6).contains(check.ip)) {
                            return true;
                        }
                    }
                    return false;
                }
                case "ip4", "ip6" -> {
                    if (argument == null) {
                        throw new Stop(Result.PERMERROR, domain + ": " + name + " without a network");
                    }
                    InetAddress network = literal(argument, name.equals("ip6"));
                    int bits = mechanism.group(4) == null ? (network instanceof Inet4Address ? 32 : 128)
                            : Integer.parseInt(mechanism.group(4));
                    return network.getAddress().length == check.ip.getAddress().length
                            && sameNetwork(check.ip.getAddress(), network.getAddress(), bits);
                }
                case "exists" -> {
                    count(check);
                    if (argument == null) {
                        throw new Stop(Result.PERMERROR, domain + ": exists without a domain");
                    }
                    if (dns.addresses(target(check, domain, argument), false).isEmpty()) {
                        voided(check);
                        return false;
                    }
                    return true; // any A record, whatever the client's address family (RFC 7208 5.7)
                }
                default -> throw new Stop(Result.PERMERROR, domain + ": unknown mechanism " + name);
            }
        } catch (Dns.TemporaryFailure e) {
            throw new Stop(Result.TEMPERROR, e.getMessage());
        }
    }

    private static boolean within(Check check, List<InetAddress> addresses, int prefix) throws Stop {
        if (addresses.isEmpty()) {
            voided(check);
            return false;
        }
        for (InetAddress address : addresses) {
            byte[] bytes = address.getAddress();
            if (bytes.length == check.ip.getAddress().length && sameNetwork(check.ip.getAddress(), bytes, prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void count(Check check) throws Stop {
        if (++check.lookups > MAX_LOOKUPS) {
            throw new Stop(Result.PERMERROR, "more than " + MAX_LOOKUPS + " DNS lookups, RFC 7208 4.6.4");
        }
    }

    private static void voided(Check check) throws Stop {
        if (++check.voids > MAX_VOID_LOOKUPS) {
            throw new Stop(Result.PERMERROR, "more than " + MAX_VOID_LOOKUPS + " void lookups, RFC 7208 4.6.4");
        }
    }

    static boolean sameNetwork(byte[] a, byte[] b, int prefix) {
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress literal(String text, boolean ipv6) throws Stop {
        if (ipv6 ? !text.matches("[0-9A-Fa-f:.]+") || !text.contains(":") : !text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new Stop(Result.PERMERROR, "'" + text + "' is no " + (ipv6 ? "IPv6" : "IPv4") + " address");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new Stop(Result.PERMERROR, "'" + text + "' is no address");
        }
    }

    /** @return the domain-spec with its macros expanded, without a trailing dot */
    private String target(Check check, String domain, String spec) throws Stop {
        String expanded = expand(spec, check, domain);
        if (expanded.endsWith(".")) {
            expanded = expanded.substring(0, expanded.length() - 1);
        }
        while (expanded.length() > 253 && expanded.contains(".")) {
            expanded = expanded.substring(expanded.indexOf('.') + 1); // RFC 7208 7.3: left-hand labels go
        }
        return expanded.toLowerCase(Locale.ROOT);
    }

    /** Expands the macros of RFC 7208 section 7 that domain-specs may hold. */
    private String expand(String spec, Check check, String domain) throws Stop {
        Matcher macro = MACRO.matcher(spec);
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (macro.find()) {
            out.append(spec, at, macro.start());
            at = macro.end();
            switch (macro.group()) {
                case "%%" -> out.append('%');
                case "%_" -> out.append(' ');
                case "%-" -> out.append("%20");
                default -> {
                    char letter = macro.group(1).charAt(0);
                    String value = value(Character.toLowerCase(letter), check, domain);
                    String delimiters = macro.group(4).isEmpty() ? "." : macro.group(4);
                    List<String> parts = new ArrayList<>(List.of(value.split("[" + Pattern.quote(delimiters) + "]", -1)));
                    if (!macro.group(3).isEmpty()) {
                        Collections.reverse(parts);
                    }
                    if (!macro.group(2).isEmpty()) {
                        int keep = Integer.parseInt(macro.group(2));
                        if (keep == 0) {
                            throw new Stop(Result.PERMERROR, "a macro that keeps no part");
                        }
                        parts = parts.subList(Math.max(0, parts.size() - keep), parts.size());
                    }
                    String joined = String.join(".", parts);
                    out.append(Character.isUpperCase(letter) ? URLEncoder.encode(joined, StandardCharsets.UTF_8) : joined);
                }
            }
        }
        String rest = spec.substring(at);
        if (rest.contains("%")) {
            throw new Stop(Result.PERMERROR, "'" + spec + "' has a malformed macro");
        }
        return out.append(rest).toString();
    }

    private static String value(char letter, Check check, String domain) {
        String sender = check.sender;
        int at = sender.lastIndexOf('@');
        return switch (letter) {
            case 's' -> sender;
            case 'l' -> at <= 0 ? "postmaster" : sender.substring(0, at);
            case 'o' -> sender.substring(at + 1);
            case 'd' -> domain;
            case 'i' -> dotted(check.ip);
            case 'p' -> "unknown";
            case 'v' -> check.ip instanceof Inet4Address ? "in-addr" : "ip6";
            default -> check.helo; // 'h'
        };
    }

    /** @return the address as the i macro has it: dotted quad, or 32 dot-separated nibbles */
    static String dotted(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        StringBuilder nibbles = new StringBuilder();
        for (byte b : ip.getAddress()) {
            if (nibbles.length() > 0) {
                nibbles.append('.');
            }
            nibbles.append(Character.forDigit((b >> 4) & 0xf, 16)).append('.').append(Character.forDigit(b & 0xf, 16));
        }
        return nibbles.toString();
    }
}
