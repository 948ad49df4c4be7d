package smtp.policy.greylist.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.Policy;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

/**
 * Greylisting ({@value #PID}): a policy plugin asked at RCPT. The first
 * attempt of a (client network, sender, recipient) triplet is deferred; a
 * retry after the delay passes, and after enough of those its network passes
 * without delay. Authenticated clients and the pass networks are never
 * greylisted. The state is saved every minute and when the plugin stops, and
 * read again when it starts.
 */
@Component(configurationPid = Greylist.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = GreylistConfiguration.class)
public final class Greylist implements PolicyPlugin {

    static final String PID = "smtp.policy.greylist";
    private static final Logger LOG = LoggerFactory.getLogger(Greylist.class);

    /** What the configuration gives, checked. */
    private record Settings(Triplets.Timing timing, int prefix4, int prefix6, List<byte[][]> passNetworks,
            boolean passAuthenticated, Path stateFile) {}

    private final Triplets triplets = new Triplets();
    private final ScheduledExecutorService saver = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "smtp-greylist-save");
        thread.setDaemon(true);
        return thread;
    });
    private final BundleContext context;
    private volatile Settings settings;
    private final ServiceRegistration<PolicyPlugin> registration;

    @Activate
    public Greylist(GreylistConfiguration config, BundleContext context) throws IOException {
        this.context = context;
        this.settings = settings(config, context);
        int skipped = triplets.load(settings.stateFile());
        LOG.info("Greylisting: {} triplet(s) read from {}{}; delay {} s", triplets.size(), settings.stateFile(),
                skipped > 0 ? ", " + skipped + " unreadable line(s) skipped" : "", config.delay());
        saver.scheduleWithFixedDelay(this::save, 60, 60, TimeUnit.SECONDS);
        this.registration = context.registerService(PolicyPlugin.class, this, properties(config));
    }

    @Modified
    void modified(GreylistConfiguration config) {
        Settings changed = settings(config, context);
        if (!changed.stateFile().equals(settings.stateFile())) {
            save();
        }
        settings = changed;
        registration.setProperties(properties(config));
        LOG.info("Greylisting changed: delay {} s", config.delay());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        registration.unregister();
        saver.shutdown();
        saver.awaitTermination(10, TimeUnit.SECONDS);
        save();
    }

    private void save() {
        Settings current = settings;
        try {
            if (triplets.changed()) {
                triplets.expire(current.timing(), System.currentTimeMillis());
                triplets.save(current.stateFile());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Greylisting: cannot save the state to {}: {}", current.stateFile(), e.toString());
        }
    }

    @Override
    public CompletionStage<PolicyVerdict> check(PolicyFacts facts) {
        Settings current = settings;
        if (facts.stage != PolicyStage.RCPT || facts.recipient == null
                || current.passAuthenticated() && facts.authenticatedUser != null) {
            return CompletableFuture.completedFuture(PolicyVerdict.proceed());
        }
        byte[] client;
        try {
            client = InetAddress.getByName(facts.clientAddress).getAddress();
        } catch (UnknownHostException e) {
            return CompletableFuture.failedFuture(e);
        }
        for (byte[][] network : current.passNetworks()) {
            if (within(client, network[0], network[1][0] & 0xff)) {
                return CompletableFuture.completedFuture(PolicyVerdict.proceed());
            }
        }
        String network = network(client, client.length == 4 ? current.prefix4() : current.prefix6());
        long[] seconds = new long[1];
        String sender = facts.sender == null ? "" : facts.sender.toLowerCase(Locale.ROOT);
        switch (triplets.check(network, sender, facts.recipient.toLowerCase(Locale.ROOT), current.timing(),
                System.currentTimeMillis(), seconds)) {
            case DEFERRED -> {
                return CompletableFuture.completedFuture(PolicyVerdict.defer(451, "4.7.1",
                        "Greylisted, try again in " + seconds[0] + " seconds"));
            }
            case PASSED_NOW -> {
                LOG.info("Greylisting: {} <{}> -> <{}> passed after {} s", network, sender, facts.recipient, seconds[0]);
                return CompletableFuture.completedFuture(PolicyVerdict.proceed().withHeader("X-Greylist",
                        "delayed " + seconds[0] + " seconds for " + network));
            }
            default -> {
                return CompletableFuture.completedFuture(PolicyVerdict.proceed());
            }
        }
    }

    /** @return the network of the address, as text: 192.0.2.0/24 */
    static String network(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int bit = prefix; bit < masked.length * 8; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(masked).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + masked.length + " bytes", e);
        }
    }

    static boolean within(byte[] address, byte[] network, int prefix) {
        if (address.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static Settings settings(GreylistConfiguration config, BundleContext context) {
        try {
            if (config.delay() < 0 || config.retryWindow() < 1 || config.passedLifetime() < 1 || config.autoPassAfter() < 0) {
                throw new IllegalArgumentException("delay must be 0 or more; retryWindow and passedLifetime 1 or more; "
                        + "autoPassAfter 0 or more");
            }
            if (config.prefixLength4() < 0 || config.prefixLength4() > 32 || config.prefixLength6() < 0
                    || config.prefixLength6() > 128) {
                throw new IllegalArgumentException("prefix lengths are 0 to 32 (IPv4) and 0 to 128 (IPv6)");
            }
            List<byte[][]> pass = new ArrayList<>();
            for (String cidr : config.passNetworks()) {
                pass.add(cidr(cidr.trim()));
            }
            Path state = config.stateFile().isBlank() ? context.getDataFile("greylist.state").toPath()
                    : Paths.get(config.stateFile().trim()).toAbsolutePath();
            return new Settings(new Triplets.Timing(config.delay() * 1000L, config.retryWindow() * 1000L,
                    config.passedLifetime() * 86_400_000L, config.autoPassAfter()), config.prefixLength4(),
                    config.prefixLength6(), pass, config.passAuthenticated(), state);
        } catch (IllegalArgumentException e) {
            LOG.error("Greylisting not applied: {}. Fix the {} configuration.", e.getMessage(), PID);
            throw e;
        }
    }

    /** @return the address and, in a one-byte array, the prefix length of a network such as 192.0.2.0/24 */
    static byte[][] cidr(String cidr) {
        int slash = cidr.indexOf('/');
        if (!cidr.matches("[0-9A-Fa-f:.]+(/\\d{1,3})?")) {
            throw new IllegalArgumentException("pass network '" + cidr + "' is not a network such as 192.0.2.0/24");
        }
        try {
            byte[] address = InetAddress.getByName(slash < 0 ? cidr : cidr.substring(0, slash)).getAddress();
            int prefix = slash < 0 ? address.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("pass network '" + cidr + "' is not a network such as 192.0.2.0/24");
            }
            return new byte[][] {address, {(byte) prefix}};
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("pass network '" + cidr + "' is not a network such as 192.0.2.0/24");
        }
    }

    private static Dictionary<String, Object> properties(GreylistConfiguration config) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Policy.PREFIX_ + "name", "greylist");
        properties.put(Policy.PREFIX_ + "stages", PolicyStage.RCPT.name());
        properties.put(Policy.PREFIX_ + "onFailure", Policy.CONTINUE);
        properties.put(Policy.PREFIX_ + "usage", config.smtp_policy_usage());
        properties.put(Policy.PREFIX_ + "bindings", config.smtp_policy_bindings());
        properties.put(Constants.SERVICE_RANKING, config.service_ranking());
        return properties;
    }

    @Override
    public String toString() {
        return "greylist";
    }
}
