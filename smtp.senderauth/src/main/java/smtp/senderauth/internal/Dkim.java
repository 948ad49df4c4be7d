package smtp.senderauth.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import smtp.server.spi.HeaderFields;

/**
 * DKIM verification (RFC 6376, with RFC 8301's rules and RFC 8463's
 * Ed25519-SHA256): each DKIM-Signature field of a message (five at most) is
 * checked, its body hash over the canonicalized body, its signature over the
 * canonicalized header fields it names, with the key its selector publishes.
 */
final class Dkim {

    /** The results of RFC 8601 2.7.1. */
    enum Result {
        NONE, PASS, FAIL, NEUTRAL, TEMPERROR, PERMERROR;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One signature's result, its signing domain and selector, and why. */
    record Verdict(Result result, String domain, String selector, String reason) {}

    /** The message, opened again for each signature. */
    interface Content {
        InputStream open() throws IOException;
    }

    static final int MAX_SIGNATURES = 5;
    private static final byte[] ED25519_SPKI = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final Dns dns;
    private final Supplier<Long> clock;

    Dkim(Dns dns, Supplier<Long> clock) {
        this.dns = dns;
        this.clock = clock;
    }

    /** @return a verdict per DKIM-Signature field, top first; empty when there is none */
    List<Verdict> verify(Content content) throws IOException {
        List<String> fields;
        try (InputStream in = new BufferedInputStream(content.open())) {
            fields = HeaderFields.read(in);
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (String field : fields) {
            if (HeaderFields.name(field).equalsIgnoreCase("DKIM-Signature") && verdicts.size() < MAX_SIGNATURES) {
                verdicts.add(verifyOne(field, fields, content));
            }
        }
        return verdicts;
    }

    private Verdict verifyOne(String signature, List<String> fields, Content content) throws IOException {
        Map<String, String> tags = Tags.parse(HeaderFields.value(signature));
        String domain = tags.getOrDefault("d", "").toLowerCase(Locale.ROOT);
        String selector = tags.getOrDefault("s", "");
        if (tags.isEmpty()) {
            return new Verdict(Result.NEUTRAL, domain, selector, "the signature's tags cannot be read");
        }
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!tags.containsKey(required)) {
                return new Verdict(Result.NEUTRAL, domain, selector, "no " + required + "= tag");
            }
        }
        if (!tags.get("v").equals("1")) {
            return new Verdict(Result.NEUTRAL, domain, selector, "version " + tags.get("v"));
        }
        String algorithm = tags.get("a").toLowerCase(Locale.ROOT);
        if (!algorithm.equals("rsa-sha256") && !algorithm.equals("ed25519-sha256")) {
            return new Verdict(Result.NEUTRAL, domain, selector, "algorithm " + algorithm
                    + (algorithm.equals("rsa-sha1") ? " is no longer accepted (RFC 8301)" : " is unknown"));
        }
        List<String> signed = new ArrayList<>();
        for (String name : tags.get("h").split(":")) {
            signed.add(name.strip());
        }
        if (signed.stream().noneMatch(name -> name.equalsIgnoreCase("from"))) {
            return new Verdict(Result.NEUTRAL, domain, selector, "From is not signed");
        }
        String identity = tags.get("i");
        if (identity != null) {
            String identityDomain = identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            if (!identityDomain.equals(domain) && !identityDomain.endsWith("." + domain)) {
                return new Verdict(Result.NEUTRAL, domain, selector, "i= is not within d=");
            }
        }
        if (tags.containsKey("x")) {
            try {
                if (Long.parseLong(tags.get("x")) * 1000 < clock.get()) {
                    return new Verdict(Result.NEUTRAL, domain, selector, "the signature expired");
                }
            } catch (NumberFormatException e) {
                return new Verdict(Result.NEUTRAL, domain, selector, "x= is no time");
            }
        }
        String[] canon = tags.getOrDefault("c", "simple/simple").toLowerCase(Locale.ROOT).split("/", 2);
        boolean relaxedHeader = canon[0].equals("relaxed");
        boolean relaxedBody = canon.length > 1 && canon[1].equals("relaxed");
        long length = -1;
        if (tags.containsKey("l")) {
            try {
                length = Long.parseLong(tags.get("l"));
            } catch (NumberFormatException e) {
                return new Verdict(Result.NEUTRAL, domain, selector, "l= is no number");
            }
        }

        // the key
        Map<String, String> key;
        try {
            List<String> records = dns.txt(selector + "._domainkey." + domain);
            if (records.isEmpty()) {
                return new Verdict(Result.PERMERROR, domain, selector, "no key for selector " + selector);
            }
            key = Tags.parse(records.get(0));
        } catch (Dns.TemporaryFailure e) {
            return new Verdict(Result.TEMPERROR, domain, selector, e.getMessage());
        }
        if (key.containsKey("v") && !key.get("v").equals("DKIM1")) {
            return new Verdict(Result.PERMERROR, domain, selector, "the key record's version is " + key.get("v"));
        }
        String keyType = key.getOrDefault("k", "rsa").toLowerCase(Locale.ROOT);
        if (!algorithm.startsWith(keyType + "-")) {
            return new Verdict(Result.PERMERROR, domain, selector, "a " + keyType + " key for " + algorithm);
        }
        String publicKey = key.getOrDefault("p", "").replaceAll("\\s", "");
        if (publicKey.isEmpty()) {
            return new Verdict(Result.FAIL, domain, selector, "the key was revoked");
        }
        if (key.getOrDefault("t", "").contains("s") && identity != null
                && !identity.substring(identity.lastIndexOf('@') + 1).equalsIgnoreCase(domain)) {
            return new Verdict(Result.FAIL, domain, selector, "the key is for d= itself (t=s), not its subdomains");
        }

        // the body hash
        byte[] bodyHash;
        try (InputStream in = new BufferedInputStream(content.open())) {
            HeaderFields.read(in);
            bodyHash = Canon.bodyHash(in, relaxedBody, length);
        }
        byte[] claimed;
        try {
            claimed = Base64.getDecoder().decode(tags.get("bh").replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            return new Verdict(Result.NEUTRAL, domain, selector, "bh= is no base64");
        }
        if (!MessageDigest.isEqual(bodyHash, claimed)) {
            return new Verdict(Result.FAIL, domain, selector, "the body hash does not match");
        }

        // the signature over the header fields
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Set<Integer> used = new HashSet<>();
        for (String name : signed) {
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (!used.contains(i) && HeaderFields.name(fields.get(i)).equalsIgnoreCase(name)) {
                    used.add(i);
                    data.writeBytes(Canon.header(fields.get(i), relaxedHeader).getBytes(StandardCharsets.UTF_8));
                    break;
                }
            }
        }
        String unsigned = Canon.header(Canon.withoutSignature(signature), relaxedHeader);
        data.writeBytes(unsigned.substring(0, unsigned.length() - 2).getBytes(StandardCharsets.UTF_8));
        try {
            byte[] signatureBytes = Base64.getDecoder().decode(tags.get("b").replaceAll("\\s", ""));
            byte[] keyBytes = Base64.getDecoder().decode(publicKey);
            boolean valid;
            if (algorithm.equals("rsa-sha256")) {
                PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(keyBytes));
                if (((RSAPublicKey) rsa).getModulus().bitLength() < 1024) {
                    return new Verdict(Result.PERMERROR, domain, selector, "an RSA key shorter than 1024 bits (RFC 8301)");
                }
                Signature verifier = Signature.getInstance("SHA256withRSA");
                verifier.initVerify(rsa);
                verifier.update(data.toByteArray());
                valid = verifier.verify(signatureBytes);
            } else {
                if (keyBytes.length != 32) {
                    return new Verdict(Result.PERMERROR, domain, selector, "an Ed25519 key is 32 bytes");
                }
                byte[] spki = new byte[ED25519_SPKI.length + 32];
                System.arraycopy(ED25519_SPKI, 0, spki, 0, ED25519_SPKI.length);
                System.arraycopy(keyBytes, 0, spki, ED25519_SPKI.length, 32);
                PublicKey ed25519 = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(ed25519);
                verifier.update(MessageDigest.getInstance("SHA-256").digest(data.toByteArray())); // RFC 8463 3
                valid = verifier.verify(signatureBytes);
            }
            return valid ? new Verdict(Result.PASS, domain, selector, null)
                    : new Verdict(Result.FAIL, domain, selector, "the signature does not verify");
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            return new Verdict(Result.PERMERROR, domain, selector, "the key or signature cannot be used: " + e.getMessage());
        }
    }

    /** Tag lists (RFC 6376 3.2): {@code name=value; ...}. */
    static final class Tags {
        private Tags() {}

        /** @return the tags in order; empty when the list is malformed or names a tag twice */
        static Map<String, String> parse(String list) {
            Map<String, String> tags = new LinkedHashMap<>();
            for (String spec : list.split(";")) {
                if (spec.isBlank()) {
                    continue;
                }
                int equals = spec.indexOf('=');
                if (equals < 0) {
                    return Map.of();
                }
                String name = spec.substring(0, equals).strip();
                String value = spec.substring(equals + 1).replaceAll("[ \\t\\r\\n]+", " ").strip();
                if (name.isEmpty() || tags.put(name, value) != null) {
                    return Map.of();
                }
            }
            return tags;
        }
    }
}
