package smtp.senderauth.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.lookup.LookupSession;

import smtp.server.spi.HeaderFields;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

/**
 * Sender authentication ({@value #PID}): a policy plugin asked at MAIL (SPF)
 * and at the end of the message (DKIM, DMARC, the Authentication-Results
 * header and the DMARC policy). A temporary DNS failure that leaves the
 * outcome open gives 451, never a silent pass.
 */
@Component(configurationPid = SenderAuth.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = PolicyPlugin.class, property = {"smtp.policy.name=senderauth", "smtp.policy.stages=MAIL",
            "smtp.policy.stages=END_OF_MESSAGE", "smtp.policy.onFailure=tempfail", "smtp.policy.usage=external",
            "smtp.policy.timeout:Long=60000", "service.ranking:Integer=-50"})
@Designate(ocd = SenderAuthConfiguration.class)
public final class SenderAuth implements PolicyPlugin {

    static final String PID = "smtp.senderauth";
    private static final Logger LOG = LoggerFactory.getLogger(SenderAuth.class);

    private record Settings(Spf spf, Dkim dkim, Dmarc dmarc, String dmarcAction, boolean rejectSpfFail, String authservId,
            boolean skipAuthenticated) {}

    private volatile Settings settings;
    private final Map<String, Spf.Outcome> spfBySession = new ConcurrentHashMap<>();

    @Activate
    public SenderAuth(SenderAuthConfiguration config) throws IOException {
        modified(config);
    }

    @Modified
    void modified(SenderAuthConfiguration config) throws IOException {
        try {
            settings = settings(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Sender authentication not used: {}. Fix the {} configuration.", e.getMessage(), PID);
            throw e;
        }
        LOG.info("Sender authentication: SPF, DKIM, DMARC ({}), name servers {}", config.dmarcAction(),
                config.nameservers().length == 0 ? "of the system" : List.of(config.nameservers()));
    }

    private static Settings settings(SenderAuthConfiguration config) throws IOException {
        String action = config.dmarcAction().strip().toLowerCase(Locale.ROOT);
        if (!List.of("apply", "quarantine", "record").contains(action)) {
            throw new IllegalArgumentException("dmarcAction '" + config.dmarcAction() + "' is none of apply, quarantine, record");
        }
        String spfFail = config.spfFail().strip().toLowerCase(Locale.ROOT);
        if (!spfFail.equals("record") && !spfFail.equals("reject")) {
            throw new IllegalArgumentException("spfFail '" + config.spfFail() + "' is neither record nor reject");
        }
        List<Resolver> servers = new ArrayList<>();
        for (String server : config.nameservers()) {
            if (!server.isBlank()) {
                servers.add(new SimpleResolver(nameserver(server.strip())));
            }
        }
        ExtendedResolver resolver = servers.isEmpty() ? new ExtendedResolver() : new ExtendedResolver(servers);
        resolver.setTimeout(Duration.ofMillis(config.timeout()));
        resolver.setRetries(1);
        LookupSession lookups = LookupSession.builder().resolver(resolver).cache(new Cache(DClass.IN)).build();
        Dns dns = new DnsjavaDns(lookups, config.timeout());
        PublicSuffixes suffixes = PublicSuffixes.read(config.publicSuffixList().isBlank() ? null
                : Path.of(config.publicSuffixList().strip()));
        if (suffixes.empty()) {
            LOG.warn("Sender authentication: no public suffix list at '{}'; DMARC takes a domain's last two labels as "
                    + "its organizational domain", config.publicSuffixList());
        }
        return new Settings(new Spf(dns), new Dkim(dns, System::currentTimeMillis),
                new Dmarc(dns, suffixes, () -> ThreadLocalRandom.current().nextInt(100)), action, spfFail.equals("reject"),
                config.authservId().strip(), config.skipAuthenticated());
    }

    /** @return the address of a name server given as {@code 192.0.2.53}, {@code 192.0.2.53:5353} or {@code [::1]:53} */
    static InetSocketAddress nameserver(String text) {
        String host = text;
        int port = 53;
        if (text.startsWith("[") && text.contains("]")) {
            host = text.substring(1, text.indexOf(']'));
            if (!text.endsWith("]")) {
                port = Integer.parseInt(text.substring(text.indexOf(']') + 2));
            }
        } else if (text.indexOf(':') > 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = Integer.parseInt(text.substring(text.indexOf(':') + 1));
        }
        if (!host.matches("[0-9A-Fa-f:.]+") || port < 1 || port > 65535) {
            throw new IllegalArgumentException("name server '" + text + "' is not an IP address with an optional port");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("name server '" + text + "' is not an IP address");
        }
    }

    @Override
    public CompletionStage<PolicyVerdict> check(PolicyFacts facts) {
        Settings current = settings;
        if (current.skipAuthenticated() && facts.authenticatedUser != null) {
            return CompletableFuture.completedFuture(PolicyVerdict.proceed());
        }
        try {
            return CompletableFuture.completedFuture(facts.stage == PolicyStage.MAIL ? mail(current, facts)
                    : endOfMessage(current, facts));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private PolicyVerdict mail(Settings current, PolicyFacts facts) throws UnknownHostException {
        Spf.Outcome spf = current.spf().check(InetAddress.getByName(facts.clientAddress), facts.sender, facts.heloName);
        spfBySession.put(facts.sessionId, spf);
        if (current.rejectSpfFail() && spf.result() == Spf.Result.FAIL) {
            return PolicyVerdict.reject(550, "5.7.23", "SPF: " + spf.domain() + " does not allow " + facts.clientAddress
                    + " to send its mail");
        }
        return PolicyVerdict.proceed();
    }

    private PolicyVerdict endOfMessage(Settings current, PolicyFacts facts) throws IOException {
        Spf.Outcome spf = spfBySession.get(facts.sessionId);
        if (spf == null || !spf.sender().equalsIgnoreCase(facts.sender.isEmpty() ? spf.sender() : facts.sender)) {
            spf = current.spf().check(InetAddress.getByName(facts.clientAddress), facts.sender, facts.heloName);
        }
        List<Dkim.Verdict> dkim = current.dkim().verify(facts.content::open);
        List<String> fields;
        try (InputStream in = new BufferedInputStream(facts.content.open())) {
            fields = HeaderFields.read(in);
        }
        Dmarc.Verdict dmarc = current.dmarc().check(Dmarc.fromDomain(fields), spf, dkim);
        String authserv = current.authservId().isEmpty() ? facts.serverName : current.authservId();
        String results = AuthenticationResults.of(authserv, spf, dkim, dmarc);
        boolean temporary = spf.result() == Spf.Result.TEMPERROR || dmarc.result() == Dmarc.Result.TEMPERROR
                || dkim.stream().anyMatch(signature -> signature.result() == Dkim.Result.TEMPERROR);
        if (dmarc.result() != Dmarc.Result.PASS && temporary) {
            LOG.info("{}: sender authentication of <{}> deferred: a DNS lookup failed for now ({})", facts.queueId,
                    facts.sender, results);
            return PolicyVerdict.defer(451, "4.7.5", "Sender authentication failed for now (DNS), try again later");
        }
        PolicyVerdict verdict = PolicyVerdict.proceed();
        if (dmarc.result() == Dmarc.Result.FAIL && !current.dmarcAction().equals("record")) {
            String applied = dmarc.applied();
            if (applied.equals("reject") && current.dmarcAction().equals("apply")) {
                LOG.info("{}: refused: DMARC policy of {} is reject ({})", facts.queueId, dmarc.fromDomain(), results);
                return PolicyVerdict.reject(550, "5.7.1", "Message rejected: the DMARC policy of " + dmarc.fromDomain()
                        + " is reject, and no aligned SPF or DKIM pass vouches for it");
            }
            if (applied.equals("reject") || applied.equals("quarantine")) {
                verdict = PolicyVerdict.quarantine("DMARC policy of " + dmarc.fromDomain() + " (" + dmarc.policy() + ")");
            }
        }
        return verdict.withHeader("Authentication-Results", results);
    }

    @Override
    public void sessionEnded(String sessionId) {
        spfBySession.remove(sessionId);
    }

    @Override
    public String toString() {
        return "senderauth";
    }
}
