package smtp.policy.ratelimit.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyStage;

/**
 * One limit, checked: what it keys on, what it counts and at which stage, its
 * maximum and what happens over it.
 */
record Limit(String name, Key key, boolean concurrency, PolicyStage stage, int max, long periodMillis, int prefix4,
        int prefix6, boolean reject) {

    /** What a limit counts separately. */
    enum Key {
        CLIENT("client", PolicyStage.CONNECT), CLIENT_NETWORK("clientNetwork", PolicyStage.CONNECT),
        HELO("helo", PolicyStage.HELO), SENDER("sender", PolicyStage.MAIL), SENDER_DOMAIN("senderDomain", PolicyStage.MAIL),
        USER("user", PolicyStage.AUTH), RECIPIENT_DOMAIN("recipientDomain", PolicyStage.RCPT);

        final String word;
        /** The first stage at which the key is known. */
        final PolicyStage known;

        Key(String word, PolicyStage known) {
            this.word = word;
            this.known = known;
        }

        static Key parse(String word) {
            for (Key key : values()) {
                if (key.word.equalsIgnoreCase(word.trim())) {
                    return key;
                }
            }
            throw new IllegalArgumentException("key '" + word + "' is none of client, clientNetwork, helo, sender, "
                    + "senderDomain, user, recipientDomain");
        }
    }

    /** @throws IllegalArgumentException naming what to fix */
    static Limit of(LimitConfiguration config) {
        String name = config.name() == null ? "" : config.name().strip();
        if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new IllegalArgumentException("name '" + config.name() + "' must be given, printable and without spaces");
        }
        Key key = Key.parse(config.key());
        boolean concurrency = switch (config.kind().trim().toLowerCase(Locale.ROOT)) {
            case "rate" -> false;
            case "concurrency" -> true;
            default -> throw new IllegalArgumentException("kind '" + config.kind() + "' is neither rate nor concurrency");
        };
        PolicyStage stage = concurrency ? key.known : switch (config.counts().trim().toLowerCase(Locale.ROOT)) {
            case "connections" -> {
                if (key.known == PolicyStage.MAIL || key.known == PolicyStage.RCPT) {
                    throw new IllegalArgumentException("key " + key.word + " is not known when a client connects: count "
                            + "messages or recipients by it");
                }
                yield key.known;
            }
            case "messages" -> {
                if (key == Key.RECIPIENT_DOMAIN) {
                    throw new IllegalArgumentException("key recipientDomain counts recipients, not messages");
                }
                yield PolicyStage.MAIL;
            }
            case "recipients" -> PolicyStage.RCPT;
            default -> throw new IllegalArgumentException("counts '" + config.counts()
                    + "' is none of connections, messages, recipients");
        };
        if (config.max() < 1) {
            throw new IllegalArgumentException("max must be at least 1, not " + config.max());
        }
        if (config.period() < 1) {
            throw new IllegalArgumentException("period must be at least 1 second, not " + config.period());
        }
        if (config.prefixLength4() < 0 || config.prefixLength4() > 32 || config.prefixLength6() < 0
                || config.prefixLength6() > 128) {
            throw new IllegalArgumentException("prefix lengths are 0 to 32 (IPv4) and 0 to 128 (IPv6)");
        }
        boolean reject = switch (config.action().trim().toLowerCase(Locale.ROOT)) {
            case "defer" -> false;
            case "reject" -> true;
            default -> throw new IllegalArgumentException("action '" + config.action() + "' is neither defer nor reject");
        };
        return new Limit(name, key, concurrency, stage, config.max(), config.period() * 1000L, config.prefixLength4(),
                config.prefixLength6(), reject);
    }

    /** @return the value counted for these facts, or null when the limit does not apply (no user, no domain) */
    String keyOf(PolicyFacts facts) {
        return switch (key) {
            case CLIENT -> facts.clientAddress;
            case CLIENT_NETWORK -> network(facts.clientAddress);
            case HELO -> lower(facts.heloName);
            case SENDER -> facts.sender == null ? null : facts.sender.isEmpty() ? "<>" : lower(facts.sender);
            case SENDER_DOMAIN -> domain(facts.sender);
            case USER -> facts.authenticatedUser;
            case RECIPIENT_DOMAIN -> domain(facts.recipient);
        };
    }

    private String network(String address) {
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            int prefix = bytes.length == 4 ? prefix4 : prefix6;
            for (int bit = prefix; bit < bytes.length * 8; bit++) {
                bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return address; // the listener gives addresses, never names
        }
    }

    private static String domain(String address) {
        int at = address == null ? -1 : address.lastIndexOf('@');
        return at < 0 ? null : lower(address.substring(at + 1));
    }

    private static String lower(String text) {
        return text == null ? null : text.toLowerCase(Locale.ROOT);
    }

    /** @return what is counted, for replies: "messages", "sessions at once" */
    String counted() {
        if (concurrency) {
            return "sessions at once";
        }
        return switch (stage) {
            case MAIL -> "messages";
            case RCPT -> "recipients";
            default -> "connections";
        };
    }
}
