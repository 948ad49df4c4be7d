package smtp.senderauth.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;

import smtp.server.spi.HeaderFields;

/**
 * DMARC (RFC 7489): the policy of the From domain (or of its organizational
 * domain), and whether an SPF or DKIM pass aligns with that domain.
 */
final class Dmarc {

    enum Result {
        NONE, PASS, FAIL, TEMPERROR, PERMERROR;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param policy the policy published for the domain (none, quarantine, reject), or null without one
     * @param applied what the policy asks for this message after pct= (none, quarantine, reject)
     */
    record Verdict(Result result, String fromDomain, String policy, String applied, String reason) {}

    private final Dns dns;
    private final PublicSuffixes suffixes;
    /** A number from 0 to 99, for pct= sampling. */
    private final IntSupplier percent;

    Dmarc(Dns dns, PublicSuffixes suffixes, IntSupplier percent) {
        this.dns = dns;
        this.suffixes = suffixes;
        this.percent = percent;
    }

    Verdict check(String fromDomain, Spf.Outcome spf, List<Dkim.Verdict> dkim) {
        if (fromDomain == null) {
            return new Verdict(Result.PERMERROR, null, null, "none", "no single From address");
        }
        String organizational = suffixes.organizational(fromDomain);
        Map<String, String> record;
        boolean ofOrganization = false;
        try {
            record = record(fromDomain);
            if (record == null && !organizational.equals(fromDomain)) {
                record = record(organizational);
                ofOrganization = true;
            }
        } catch (Dns.TemporaryFailure e) {
            return new Verdict(Result.TEMPERROR, fromDomain, null, "none", e.getMessage());
        }
        if (record == null) {
            return new Verdict(Result.NONE, fromDomain, null, "none", null);
        }
        String policy = policy(record.get("p"));
        if (policy == null) {
            return new Verdict(Result.NONE, fromDomain, null, "none", "the record has no valid p=");
        }
        boolean strictDkim = "s".equalsIgnoreCase(record.get("adkim"));
        boolean strictSpf = "s".equalsIgnoreCase(record.get("aspf"));
        boolean aligned = spf.result() == Spf.Result.PASS && aligned(spf.domain(), fromDomain, strictSpf);
        for (Dkim.Verdict signature : dkim) {
            aligned |= signature.result() == Dkim.Result.PASS && aligned(signature.domain(), fromDomain, strictDkim);
        }
        if (aligned) {
            return new Verdict(Result.PASS, fromDomain, policy, "none", null);
        }
        String effective = ofOrganization && policy(record.get("sp")) != null ? policy(record.get("sp")) : policy;
        int pct = 100;
        try {
            pct = Integer.parseInt(record.getOrDefault("pct", "100"));
        } catch (NumberFormatException e) {
            // RFC 7489 6.3: an invalid pct is 100
        }
        String applied = effective;
        if (percent.getAsInt() >= pct) {
            applied = effective.equals("reject") ? "quarantine" : "none"; // RFC 7489 6.6.4: the next policy down
        }
        return new Verdict(Result.FAIL, fromDomain, effective, applied, "no aligned SPF or DKIM pass");
    }

    private boolean aligned(String domain, String fromDomain, boolean strict) {
        if (domain == null) {
            return false;
        }
        return strict ? domain.equalsIgnoreCase(fromDomain)
                : suffixes.organizational(domain).equals(suffixes.organizational(fromDomain));
    }

    /** @return the DMARC record of the domain; null when there is none, or more than one (RFC 7489 6.6.3) */
    private Map<String, String> record(String domain) throws Dns.TemporaryFailure {
        Map<String, String> found = null;
        int count = 0;
        for (String text : dns.txt("_dmarc." + domain)) {
            Map<String, String> tags = Dkim.Tags.parse(text);
            if (!tags.isEmpty() && "DMARC1".equals(tags.entrySet().iterator().next().getValue())
                    && tags.keySet().iterator().next().equals("v")) {
                found = tags;
                count++;
            }
        }
        return count == 1 ? found : null;
    }

    private static String policy(String value) {
        if (value == null) {
            return null;
        }
        String lower = value.strip().toLowerCase(Locale.ROOT);
        return lower.equals("none") || lower.equals("quarantine") || lower.equals("reject") ? lower : null;
    }

    /** @return the domain of the From field's single address; null when there is none or more than one */
    static String fromDomain(List<String> fields) {
        String from = null;
        for (String field : fields) {
            if (HeaderFields.name(field).equalsIgnoreCase("From")) {
                if (from != null) {
                    return null;
                }
                from = HeaderFields.value(field);
            }
        }
        if (from == null) {
            return null;
        }
        String address = from;
        int open = from.lastIndexOf('<');
        if (open >= 0 && from.indexOf('>', open) > open) {
            address = from.substring(open + 1, from.indexOf('>', open));
        } else if (from.contains(",")) {
            return null;
        }
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String domain = address.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        return domain.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)+") ? domain : null;
    }
}
