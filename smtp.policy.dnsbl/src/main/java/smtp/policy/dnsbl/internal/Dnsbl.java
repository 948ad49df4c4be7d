package smtp.policy.dnsbl.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupResult;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

/**
 * DNS block and allow lists ({@value #PID}): a policy plugin asked at connect
 * (zones of client addresses), HELO (of HELO names) and MAIL (of sender
 * domains). The zones of a stage are asked at once, without a thread waiting
 * for them (dnsjava's asynchronous lookups); answers are cached for their
 * records' TTL. The weights of the listings add up over the session; at the
 * threshold the session is refused, with the list's TXT reason.
 */
@Component(configurationPid = Dnsbl.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = PolicyPlugin.class, property = {"smtp.policy.name=dnsbl", "smtp.policy.stages=CONNECT",
            "smtp.policy.stages=HELO", "smtp.policy.stages=MAIL", "smtp.policy.onFailure=continue",
            "smtp.policy.usage=external", "smtp.policy.timeout:Long=5000", "service.ranking:Integer=100"})
@Designate(ocd = DnsblConfiguration.class)
public final class Dnsbl implements PolicyPlugin {

    static final String PID = "smtp.policy.dnsbl";
    private static final Logger LOG = LoggerFactory.getLogger(Dnsbl.class);
    /** A zone whose lookups fail, or whose answers are not listings, is logged at most this often. */
    private static final long WARN_EVERY = 60_000;

    /** What one zone said about one name: the weight it counts (0: not listed) and its TXT reason. */
    record Listing(Zone zone, int weight, String reason) {}

    private record Settings(LookupSession dns, long timeout, int threshold, boolean reject) {}

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private final List<Zone> zones = new CopyOnWriteArrayList<>();

    private volatile Settings settings;
    /** The sum of the weights of each live session. */
    private final Map<String, Integer> scores = new ConcurrentHashMap<>();
    private final Map<String, Long> warned = new ConcurrentHashMap<>();

    @Activate
    public Dnsbl(DnsblConfiguration config) {
        modified(config);
    }

    @Modified
    void modified(DnsblConfiguration config) {
        try {
            settings = settings(config);
        } catch (IllegalArgumentException e) {
            LOG.error("DNS lists not used: {}. Fix the {} configuration.", e.getMessage(), PID);
            throw e;
        }
        LOG.info("DNS lists: threshold {}, {} on reaching it, name servers {}", config.threshold(), config.action(),
                config.nameservers().length == 0 ? "of the system" : List.of(config.nameservers()));
    }

    private static Settings settings(DnsblConfiguration config) {
        if (config.timeout() < 1) {
            throw new IllegalArgumentException("timeout must be at least 1 ms");
        }
        boolean reject = switch (config.action().trim().toLowerCase(Locale.ROOT)) {
            case "reject" -> true;
            case "defer" -> false;
            default -> throw new IllegalArgumentException("action '" + config.action() + "' is neither reject nor defer");
        };
        List<Resolver> servers = new ArrayList<>();
        for (String server : config.nameservers()) {
            if (!server.isBlank()) {
                servers.add(new SimpleResolver(nameserver(server.strip())));
            }
        }
        ExtendedResolver resolver = servers.isEmpty() ? new ExtendedResolver() : new ExtendedResolver(servers);
        resolver.setTimeout(Duration.ofMillis(config.timeout()));
        resolver.setRetries(1);
        LookupSession dns = LookupSession.builder().resolver(resolver).cache(new Cache(DClass.IN)).build();
        return new Settings(dns, config.timeout(), config.threshold(), reject);
    }

    /** @return the address of a name server given as {@code 192.0.2.53}, {@code 192.0.2.53:5353} or {@code [::1]:53} */
    static InetSocketAddress nameserver(String text) {
        String host = text;
        int port = 53;
        int colon = text.lastIndexOf(':');
        if (text.startsWith("[") && text.contains("]")) {
            host = text.substring(1, text.indexOf(']'));
            port = text.endsWith("]") ? 53 : parsePort(text, text.substring(text.indexOf(']') + 2));
        } else if (colon > 0 && text.indexOf(':') == colon) {
            host = text.substring(0, colon);
            port = parsePort(text, text.substring(colon + 1));
        }
        if (!host.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("name server '" + text + "' is not an IP address (with an optional port)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("name server '" + text + "' is not an IP address");
        }
    }

    private static int parsePort(String text, String port) {
        try {
            int value = Integer.parseInt(port);
            if (value > 0 && value < 65536) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("name server '" + text + "' has no port number 1 to 65535 after ':'");
    }

    @Override
    public CompletionStage<PolicyVerdict> check(PolicyFacts facts) {
        Zone.Target target = switch (facts.stage) {
            case CONNECT -> Zone.Target.CLIENT;
            case HELO -> Zone.Target.HELO_NAME;
            case MAIL -> Zone.Target.SENDER_DOMAIN;
            default -> null;
        };
        String query = target == null ? null : query(target, facts);
        List<Zone> asked = new ArrayList<>();
        for (Zone zone : zones) {
            if (zone.target == target) {
                asked.add(zone);
            }
        }
        if (query == null || asked.isEmpty()) {
            return CompletableFuture.completedFuture(PolicyVerdict.proceed());
        }
        Settings current = settings;
        List<CompletableFuture<Listing>> lookups = new ArrayList<>();
        for (Zone zone : asked) {
            lookups.add(lookup(current, zone, query));
        }
        return CompletableFuture.allOf(lookups.toArray(new CompletableFuture[0]))
                .thenApply(done -> decide(current, facts, target, lookups.stream().map(CompletableFuture::join).toList()));
    }

    private PolicyVerdict decide(Settings current, PolicyFacts facts, Zone.Target target, List<Listing> listings) {
        int added = 0;
        Listing blocking = null;
        for (Listing listing : listings) {
            added += listing.weight();
            if (listing.weight() > 0 && blocking == null) {
                blocking = listing;
            }
        }
        int score = scores.merge(facts.sessionId, added, Integer::sum);
        if (score < current.threshold() || blocking == null) {
            return PolicyVerdict.proceed();
        }
        String text = "Service unavailable; " + subject(target, facts) + " blocked using " + blocking.zone().zone
                + (blocking.reason() == null ? "" : "; " + blocking.reason());
        return current.reject() ? PolicyVerdict.reject(554, "5.7.1", text)
                : PolicyVerdict.defer(451, "4.7.1", text + ", try again later");
    }

    @Override
    public void sessionEnded(String sessionId) {
        scores.remove(sessionId);
    }

    /** Looks the name up in the zone: its A records, and for a block listing the TXT reason. Never fails. */
    private CompletableFuture<Listing> lookup(Settings current, Zone zone, String query) {
        Name name;
        try {
            name = Name.fromString(query + "." + zone.zone + ".");
        } catch (TextParseException e) {
            return CompletableFuture.completedFuture(new Listing(zone, 0, null)); // a name the DNS cannot hold
        }
        return answers(current, zone, name, Type.A).thenCompose(records -> {
            int weight = 0;
            for (Record record : records) {
                if (record instanceof ARecord a) {
                    byte[] address = a.getAddress().getAddress();
                    int counted = zone.weightOf(address);
                    if (!Zone.isListing(address)) {
                        warn(zone, "answered " + a.getAddress().getHostAddress() + " for " + name
                                + ", which is not a listing (outside 127.0.0.0/8, or 127.255.255.x: the query refused); "
                                + "not counted");
                    }
                    if (Math.abs(counted) > Math.abs(weight)) {
                        weight = counted;
                    }
                }
            }
            if (weight <= 0) {
                return CompletableFuture.completedFuture(new Listing(zone, weight, null));
            }
            int listed = weight;
            return answers(current, zone, name, Type.TXT).thenApply(texts -> new Listing(zone, listed, reason(texts)));
        });
    }

    /** @return the records of the type at the name; none when there are none, or when the lookup failed (logged) */
    private CompletableFuture<List<Record>> answers(Settings current, Zone zone, Name name, int type) {
        return current.dns().lookupAsync(name, type).toCompletableFuture()
                .completeOnTimeout(null, current.timeout(), TimeUnit.MILLISECONDS)
                .handle((LookupResult result, Throwable error) -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                            : error;
                    if (result != null) {
                        return result.getRecords();
                    }
                    if (cause == null) {
                        warn(zone, "no answer for " + name + " within " + current.timeout() + " ms; not counted");
                    } else if (!(cause instanceof NoSuchDomainException) && !(cause instanceof NoSuchRRSetException)) {
                        warn(zone, "lookup of " + name + " " + Type.string(type) + " failed: " + cause + "; not counted");
                    }
                    return List.of();
                });
    }

    private void warn(Zone zone, String what) {
        long now = System.currentTimeMillis();
        Long last = warned.get(zone.zone);
        if (last == null || now - last > WARN_EVERY) {
            warned.put(zone.zone, now);
            LOG.warn("DNS list {}: {}", zone.zone, what);
        }
    }

    /** @return the first TXT record's text, printable and short, or null */
    static String reason(List<Record> records) {
        for (Record record : records) {
            if (record instanceof TXTRecord txt && !txt.getStringsAsByteArrays().isEmpty()) {
                StringBuilder text = new StringBuilder();
                for (byte[] part : txt.getStringsAsByteArrays()) {
                    for (int i = 0; i < part.length && text.length() < 200; i++) {
                        text.append(part[i] >= 32 && part[i] < 127 ? (char) part[i] : ' ');
                    }
                }
                String reason = text.toString().strip();
                return reason.isEmpty() ? null : reason;
            }
        }
        return null;
    }

    /** @return the name to look up in the zones of the target, or null when there is none (no domain, a literal) */
    static String query(Zone.Target target, PolicyFacts facts) {
        switch (target) {
            case CLIENT -> {
                try {
                    return reversed(InetAddress.getByName(facts.clientAddress).getAddress());
                } catch (UnknownHostException e) {
                    return null;
                }
            }
            case HELO_NAME -> {
                String helo = facts.heloName;
                return helo == null || helo.startsWith("[") || helo.indexOf('.') < 0 ? null : dotless(helo);
            }
            default -> {
                int at = facts.sender == null ? -1 : facts.sender.lastIndexOf('@');
                return at < 0 ? null : dotless(facts.sender.substring(at + 1));
            }
        }
    }

    private static String dotless(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** @return 4.3.2.1 for 1.2.3.4; the 32 nibbles in reverse for an IPv6 address */
    static String reversed(byte[] address) {
        StringBuilder name = new StringBuilder(64);
        for (int i = address.length - 1; i >= 0; i--) {
            int b = address[i] & 0xff;
            if (address.length == 4) {
                name.append(b);
            } else {
                name.append(Character.forDigit(b & 0xf, 16)).append('.').append(Character.forDigit(b >> 4, 16));
            }
            if (i > 0) {
                name.append('.');
            }
        }
        return name.toString();
    }

    private static String subject(Zone.Target target, PolicyFacts facts) {
        return switch (target) {
            case CLIENT -> "client host [" + facts.clientAddress + "]";
            case HELO_NAME -> "HELO name " + facts.heloName;
            case SENDER_DOMAIN -> "sender domain " + facts.sender.substring(facts.sender.lastIndexOf('@') + 1);
        };
    }

    @Override
    public String toString() {
        return "dnsbl";
    }
}
