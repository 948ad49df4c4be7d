package smtp.policy.helo.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

import smtp.server.spi.Policy;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

/**
 * The example policy bundle: at HELO/EHLO it refuses names that cannot be
 * true. A policy plugin is a {@link PolicyPlugin} service with the
 * {@link Policy} properties; this one answers at once, from the facts alone.
 */
@Component(configurationPid = HeloCheck.PID, service = PolicyPlugin.class,
        property = {"smtp.policy.usage=external", "service.ranking:Integer=200"})
@Designate(ocd = HeloConfiguration.class)
@Policy(name = "helo", stages = PolicyStage.HELO, timeout = 1000, onFailure = Policy.CONTINUE)
public final class HeloCheck implements PolicyPlugin {

    static final String PID = "smtp.policy.helo";

    private volatile HeloConfiguration config;
    private volatile Set<String> ownNames;

    @Activate
    @Modified
    void configure(HeloConfiguration config) {
        Set<String> names = new TreeSet<>();
        for (String name : config.ownNames()) {
            if (!name.isBlank()) {
                names.add(dotless(name.strip()));
            }
        }
        this.ownNames = names;
        this.config = config;
    }

    @Override
    public CompletionStage<PolicyVerdict> check(PolicyFacts facts) {
        String refusal = facts.heloName == null ? null : refusal(facts.heloName, facts);
        return CompletableFuture.completedFuture(refusal == null ? PolicyVerdict.proceed()
                : PolicyVerdict.reject(550, "5.7.1", refusal));
    }

    /** @return why the name cannot be true, or null when it may be */
    String refusal(String helo, PolicyFacts facts) {
        HeloConfiguration current = config;
        String name = dotless(helo);
        if (ownNames.contains(name)) {
            return "You are not me: " + helo + " is this server's name";
        }
        if (name.startsWith("[")) {
            String literal = name.substring(1, name.length() - 1);
            if (literal.regionMatches(true, 0, "IPv6:", 0, 5)) {
                literal = literal.substring(5);
            }
            if (same(literal, facts.localAddress)) {
                return "You are not me: " + helo + " is this server's address";
            }
            if (current.literalMustMatch() && !same(literal, facts.clientAddress)) {
                return "HELO " + helo + " is not your address [" + facts.clientAddress + "]";
            }
            return null;
        }
        if (current.refuseBareAddress() && name.matches("[0-9.]+|[0-9a-f:]*:[0-9a-f:.]*")) {
            return "HELO " + helo + " is an address: give it in brackets, [" + helo + "], or give your name";
        }
        if (current.requireDot() && name.indexOf('.') < 0) {
            return "HELO " + helo + " is not a fully qualified domain name";
        }
        return null;
    }

    /** @return whether two textual addresses are the same address; false when either is none */
    private static boolean same(String literal, String address) {
        if (address == null || !literal.matches("[0-9A-Fa-f:.]+")) {
            return false; // only addresses are compared: nothing here asks the DNS
        }
        try {
            return InetAddress.getByName(literal).equals(InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String dotless(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
