package smtp.policy.dnsbl.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.PolicyStage;

/** One zone ({@value #FACTORY_PID} configuration), checked; the lists plugin looks its listings up. */
@Component(configurationPid = Zone.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = Zone.class)
@Designate(ocd = ZoneConfiguration.class, factory = true)
public final class Zone {

    static final String FACTORY_PID = "smtp.policy.dnsbl.zone";
    private static final Logger LOG = LoggerFactory.getLogger(Zone.class);

    /** What a zone lists, and the stage at which it is known. */
    enum Target {
        CLIENT("client", PolicyStage.CONNECT), HELO_NAME("heloName", PolicyStage.HELO),
        SENDER_DOMAIN("senderDomain", PolicyStage.MAIL);

        final String word;
        final PolicyStage stage;

        Target(String word, PolicyStage stage) {
            this.word = word;
            this.stage = stage;
        }
    }

    /** Answers from {@code low} to {@code high} (IPv4, as numbers) count {@code weight}. */
    record Code(long low, long high, int weight) {}

    final String zone;
    final Target target;
    final boolean allow;
    final int weight;
    final List<Code> codes;

    @Activate
    public Zone(ZoneConfiguration config) {
        try {
            this.zone = zone(config.zone());
            this.target = target(config.target());
            this.allow = switch (config.kind().trim().toLowerCase(Locale.ROOT)) {
                case "block" -> false;
                case "allow" -> true;
                default -> throw new IllegalArgumentException("kind '" + config.kind() + "' is neither block nor allow");
            };
            this.weight = config.weight();
            this.codes = codes(config.codes(), config.weight());
        } catch (IllegalArgumentException e) {
            LOG.error("DNS list zone not used: {}. Fix the {} configuration.", e.getMessage(), FACTORY_PID);
            throw e;
        }
    }

    Zone(String zone, Target target, boolean allow, int weight, List<Code> codes) {
        this.zone = zone;
        this.target = target;
        this.allow = allow;
        this.weight = weight;
        this.codes = codes;
    }

    /**
     * @param answer an A record's address
     * @return the weight the answer counts (negative for an allow list), 0 when it does not count
     */
    int weightOf(byte[] answer) {
        if (answer.length != 4 || !isListing(answer)) {
            return 0;
        }
        long value = toLong(answer);
        if (codes.isEmpty()) {
            return allow ? -weight : weight;
        }
        for (Code code : codes) {
            if (value >= code.low() && value <= code.high()) {
                return allow ? -code.weight() : code.weight();
            }
        }
        return 0;
    }

    /** @return whether the answer can be a listing: in 127.0.0.0/8, and not 127.255.255.x (the query refused) */
    static boolean isListing(byte[] answer) {
        return answer.length == 4 && answer[0] == 127 && !(answer[1] == (byte) 255 && answer[2] == (byte) 255);
    }

    static String zone(String zone) {
        String name = zone == null ? "" : zone.strip().toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (!name.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)+")) {
            throw new IllegalArgumentException("zone '" + zone + "' is not a domain name such as zen.spamhaus.org");
        }
        return name;
    }

    static Target target(String word) {
        for (Target target : Target.values()) {
            if (target.word.equalsIgnoreCase(word.trim())) {
                return target;
            }
        }
        throw new IllegalArgumentException("target '" + word + "' is none of client, heloName, senderDomain");
    }

    static List<Code> codes(String[] entries, int weight) {
        List<Code> codes = new ArrayList<>();
        for (String entry : entries) {
            String text = entry.strip();
            if (text.isEmpty()) {
                continue;
            }
            int equals = text.indexOf('=');
            int codeWeight = weight;
            String range = text;
            try {
                if (equals >= 0) {
                    codeWeight = Integer.parseInt(text.substring(equals + 1).strip());
                    range = text.substring(0, equals).strip();
                }
                int dash = range.indexOf('-');
                long low = address(dash < 0 ? range : range.substring(0, dash).strip());
                long high = dash < 0 ? low : address(range.substring(dash + 1).strip());
                if (high < low) {
                    throw new IllegalArgumentException("return code range '" + entry + "' ends before it starts");
                }
                codes.add(new Code(low, high, codeWeight));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("return code '" + entry + "' has no number after '='");
            }
        }
        return List.copyOf(codes);
    }

    private static long address(String text) {
        if (!text.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            throw new IllegalArgumentException("return code '" + text + "' is not an IPv4 address such as 127.0.0.2");
        }
        try {
            byte[] bytes = InetAddress.getByName(text).getAddress();
            if (!isListing(bytes)) {
                throw new IllegalArgumentException("return code " + text + " can never be a listing: lists answer in "
                        + "127.0.0.0/8, and 127.255.255.x means that they refused the query");
            }
            return toLong(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("return code '" + text + "' is not an IPv4 address");
        }
    }

    private static long toLong(byte[] address) {
        return (address[0] & 0xffL) << 24 | (address[1] & 0xffL) << 16 | (address[2] & 0xffL) << 8 | address[3] & 0xffL;
    }

    @Override
    public String toString() {
        return (allow ? "allow list " : "block list ") + zone + " (" + target.word + ")";
    }
}
