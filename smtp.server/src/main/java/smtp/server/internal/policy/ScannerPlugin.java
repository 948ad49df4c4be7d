package smtp.server.internal.policy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import org.osgi.framework.Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.MessageDTO;
import smtp.server.spi.MessageScanner;
import smtp.server.spi.Policy;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.Scanner;
import smtp.server.spi.SessionDTO;

/**
 * A {@link MessageScanner} as an end-of-message policy plugin: its verdicts
 * become policy verdicts by its {@link Scanner} properties. INFECTED is
 * rejected (554 5.7.1), quarantined or tagged with an {@code X-Scan-Result}
 * header; FAILED gives 451 4.7.1 or lets the message through with a header
 * saying it was not scanned. Every verdict is reported as a scan result (the
 * AVScanResult event).
 */
public final class ScannerPlugin implements PolicyPlugin {

    private static final Logger LOG = LoggerFactory.getLogger(ScannerPlugin.class);
    /** How long a scan may take before it counts as failed, unless {@code smtp.scanner.timeout} says otherwise. */
    static final long TIMEOUT = 300_000;

    private final MessageScanner scanner;
    private final String name;
    private final String onInfected;
    private final String onFailure;
    private final BiConsumer<SessionDTO, ScanResultDTO> report;

    private ScannerPlugin(MessageScanner scanner, String name, String onInfected, String onFailure,
            BiConsumer<SessionDTO, ScanResultDTO> report) {
        this.scanner = scanner;
        this.name = name;
        this.onInfected = onInfected;
        this.onFailure = onFailure;
        this.report = report;
    }

    /**
     * @param properties the scanner's service properties
     * @param report told every scan result, with the session it was in
     * @return the scanner's entry among the policy plugins: asked at the end of the message, by its ranking and then
     *         its {@code smtp.scanner.order}
     */
    public static Policies.Entry entry(MessageScanner scanner, Map<String, Object> properties,
            BiConsumer<SessionDTO, ScanResultDTO> report) {
        String name = String.valueOf(properties.getOrDefault(Scanner.PREFIX_ + "name", scanner.getClass().getName()));
        String onInfected = choice(properties.get(Scanner.PREFIX_ + "onInfected"), Scanner.REJECT, Scanner.QUARANTINE,
                Scanner.TAG);
        String onFailure = choice(properties.get(Scanner.PREFIX_ + "onFailure"), Scanner.TEMPFAIL, Scanner.ACCEPT);
        Map<String, Object> asPlugin = new HashMap<>();
        asPlugin.put(Policy.PREFIX_ + "name", name);
        asPlugin.put(Policy.PREFIX_ + "stages", PolicyStage.END_OF_MESSAGE.name());
        asPlugin.put(Policy.PREFIX_ + "timeout", properties.getOrDefault(Scanner.PREFIX_ + "timeout", TIMEOUT));
        asPlugin.put(Policy.PREFIX_ + "onFailure", Scanner.ACCEPT.equals(onFailure) ? Policy.CONTINUE : Policy.TEMPFAIL);
        copy(properties, asPlugin, Constants.SERVICE_RANKING, Constants.SERVICE_ID);
        Object order = properties.get(Scanner.PREFIX_ + "order");
        Policies.Entry plugin = Policies.entry(new ScannerPlugin(scanner, name, onInfected, onFailure, report), asPlugin);
        return plugin.asScanner(order instanceof Number n ? n.intValue() : 100, scanner);
    }

    @Override
    public CompletionStage<PolicyVerdict> check(PolicyFacts facts) {
        long start = System.nanoTime();
        ScanResultDTO result;
        try (InputStream in = new BufferedInputStream(facts.content.open())) {
            result = scanner.scan(session(facts), message(facts), in);
        } catch (IOException | RuntimeException e) {
            result = failed(e.toString());
        }
        if (result == null || result.verdict == null) {
            result = failed("the scanner gave no verdict");
        }
        result.scanner = name;
        result.queueId = facts.queueId;
        result.durationMillis = (System.nanoTime() - start) / 1_000_000;
        report.accept(session(facts), result);
        return CompletableFuture.completedFuture(verdict(facts, result));
    }

    private PolicyVerdict verdict(PolicyFacts facts, ScanResultDTO result) {
        switch (result.verdict) {
            case ScanResultDTO.CLEAN -> {
                LOG.debug("{}: {} found it clean", facts.queueId, name);
                return PolicyVerdict.proceed();
            }
            case ScanResultDTO.INFECTED -> {
                String threat = printable(result.threat);
                LOG.warn("{}: {} found {} in the message from <{}> via {}; policy {}", facts.queueId, name, threat,
                        facts.sender, facts.clientAddress, onInfected);
                return switch (onInfected) {
                    case Scanner.QUARANTINE -> PolicyVerdict.quarantine(threat);
                    case Scanner.TAG -> PolicyVerdict.proceed().withHeader("X-Scan-Result", name + "; infected; " + threat);
                    default -> PolicyVerdict.reject(554, "5.7.1", "Message rejected: " + threat + " found by " + name);
                };
            }
            default -> {
                String reason = printable(result.threat);
                LOG.warn("{}: {} could not scan the message: {}; policy {}", facts.queueId, name, reason, onFailure);
                return Scanner.ACCEPT.equals(onFailure)
                        ? PolicyVerdict.proceed().withHeader("X-Scan-Result", name + "; not scanned; " + reason)
                        : PolicyVerdict.defer(451, "4.7.1", "The message could not be scanned (" + name + "), try again later");
            }
        }
    }

    private static SessionDTO session(PolicyFacts facts) {
        SessionDTO session = new SessionDTO();
        session.id = facts.sessionId;
        session.clientAddress = facts.clientAddress;
        session.clientPort = facts.clientPort;
        session.localAddress = facts.localAddress;
        session.localPort = facts.localPort;
        session.heloName = facts.heloName;
        session.tls = facts.tls;
        session.authenticatedUser = facts.authenticatedUser;
        session.binding = facts.binding;
        session.usage = facts.usage;
        session.startedAt = facts.sessionStartedAt;
        return session;
    }

    private static MessageDTO message(PolicyFacts facts) {
        MessageDTO message = new MessageDTO();
        message.queueId = facts.queueId;
        message.sender = facts.sender;
        message.recipients = new ArrayList<>(facts.recipients);
        message.size = facts.content.size();
        message.receivedAt = System.currentTimeMillis();
        return message;
    }

    private static ScanResultDTO failed(String reason) {
        ScanResultDTO result = new ScanResultDTO();
        result.verdict = ScanResultDTO.FAILED;
        result.threat = reason;
        return result;
    }

    /** A one-line, header-safe rendering of a scanner's words. */
    private static String printable(String text) {
        String line = text == null ? "unknown" : text.replaceAll("\\p{Cntrl}", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    /** @return the value if it is one of the choices, else the first (the safest) */
    private static String choice(Object value, String... choices) {
        for (String choice : choices) {
            if (choice.equalsIgnoreCase(String.valueOf(value).trim())) {
                return choice;
            }
        }
        return choices[0];
    }

    private static void copy(Map<String, Object> from, Map<String, Object> to, String... keys) {
        for (String key : keys) {
            if (from.containsKey(key)) {
                to.put(key, from.get(key));
            }
        }
    }

    @Override
    public String toString() {
        return "scanner " + name;
    }
}
