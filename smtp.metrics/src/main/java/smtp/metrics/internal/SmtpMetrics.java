package smtp.metrics.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.event.Event;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import smtp.delivery.api.DeliveryEvents;
import smtp.delivery.api.MailQueue;
import smtp.delivery.api.QueueStatusDTO;
import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;
import smtp.server.spi.MessageDTO;
import smtp.server.spi.MessageScanner;
import smtp.server.spi.Policy;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.Scanner;
import smtp.server.spi.SessionDTO;

/**
 * The suite's metrics, kept in a Prometheus registry of the bundle's own: the
 * listener's, counted as {@link ListenerEvents} hears them and read from
 * {@link ListenerStatus}; delivery's, counted from its events and read from
 * {@link MailQueue} ({@link Sources}). A part that goes away takes its series
 * with it: the listener's when the listener stops, delivery's when delivery
 * stops, a policy plugin's or scanner's when its service is unregistered (its
 * bundle stopped or removed).
 * <p>
 * This component references nothing: the one that is a {@code SessionListener}
 * (which the listener references) and the one that references the listener are
 * others, so that no two components wait for each other.
 */
@Component(service = SmtpMetrics.class)
public final class SmtpMetrics {

    /** Where the listener's sessions carry no binding name (a binding configured without one). */
    static final String NO_BINDING = "default";
    private static final double NANOS_PER_SECOND = 1e9;
    private static final String PLUGINS = "(|(objectClass=" + PolicyPlugin.class.getName() + ")(objectClass="
            + MessageScanner.class.getName() + "))";

    private final PrometheusRegistry registry = new PrometheusRegistry();

    private final Counter connections = Counter.builder().name("smtp_connections")
            .help("Connections that opened a session (after the connection limits), by binding").labelNames("binding")
            .withoutExemplars().register(registry);
    private final Counter sessionsClosed = Counter.builder().name("smtp_sessions_closed")
            .help("Sessions that ended, by binding and by whether they used TLS").labelNames("binding", "tls")
            .withoutExemplars().register(registry);
    private final Counter accepted = Counter.builder().name("smtp_messages_accepted")
            .help("Messages accepted (250 after DATA or BDAT LAST), quarantined and discarded ones included, by binding")
            .labelNames("binding").withoutExemplars().register(registry);
    private final Counter refused = Counter.builder().name("smtp_messages_refused")
            .help("Messages refused at their end, by binding and reason (size, loop, line-endings, policy, delivery, "
                    + "error)")
            .labelNames("binding", "reason").withoutExemplars().register(registry);
    private final Counter bytes = Counter.builder().name("smtp_accepted_bytes")
            .help("Bytes of accepted messages as the clients sent them, by binding").labelNames("binding")
            .withoutExemplars().register(registry);
    private final Histogram acceptLatency = Histogram.builder().name("smtp_accept_latency_seconds")
            .help("Time from the end of a message to its hand-off to delivery (policy plugins, scanners, the queue's "
                    + "durable write), by binding")
            .labelNames("binding").classicOnly().withoutExemplars()
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    private final Counter auth = Counter.builder().name("smtp_auth_attempts")
            .help("AUTH commands whose credentials were checked, by binding, mechanism and outcome (success, failure)")
            .labelNames("binding", "mechanism", "outcome").withoutExemplars().register(registry);
    private final Counter scans = Counter.builder().name("smtp_scan_verdicts")
            .help("Verdicts of the data scanners, by scanner and verdict (CLEAN, INFECTED, FAILED)")
            .labelNames("scanner", "verdict").withoutExemplars().register(registry);
    private final Counter policies = Counter.builder().name("smtp_policy_verdicts")
            .help("Verdicts of the policy plugins, by plugin, stage and the action taken").labelNames("policy", "stage", "action")
            .withoutExemplars().register(registry);
    private final Counter deliveries = Counter.builder().name("smtp_delivery_attempts")
            .help("Delivery attempts per recipient, by outcome (delivered, deferred, bounced)").labelNames("outcome")
            .withoutExemplars().register(registry);
    private final Histogram deliveryLatency = Histogram.builder().name("smtp_delivery_latency_seconds")
            .help("Time from a message's acceptance to its delivery to a recipient, by transport (local, smtp)")
            .labelNames("transport").classicOnly().withoutExemplars()
            .classicUpperBounds(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400).register(registry);

    private volatile ListenerStatus listener;
    private volatile MailQueue queue;
    private BundleContext context;
    private ServiceListener plugins;

    public SmtpMetrics() {
        GaugeWithCallback.builder().name("smtp_sessions_open").help("Sessions open now, by binding").labelNames("binding")
                .callback(callback -> {
                    ListenerStatus current = listener;
                    if (current != null) {
                        Map<String, Integer> open = new HashMap<>();
                        for (EndpointDTO endpoint : current.endpoints()) {
                            if (endpoint.name != null) {
                                open.merge(binding(endpoint.name), endpoint.sessions, Integer::sum);
                            }
                        }
                        open.forEach((binding, count) -> callback.call(count, binding));
                    }
                }).register(registry);
        CounterWithCallback.builder().name("smtp_connections_refused")
                .help("Connections refused before their session opened, by reason: max-connections (the listener's "
                        + "limit), max-per-client (a client's limit), not-intercepted (made straight to an intercepting "
                        + "binding); since the listener started")
                .labelNames("reason").callback(callback -> {
                    ListenerStatus current = listener;
                    if (current != null) {
                        Map<String, Long> refused = new java.util.TreeMap<>(Map.of(CountersDTO.REFUSED_MAX_CONNECTIONS, 0L,
                                CountersDTO.REFUSED_MAX_PER_CLIENT, 0L, CountersDTO.REFUSED_NOT_INTERCEPTED, 0L));
                        refused.putAll(current.counters().connectionsRefusedByReason);
                        refused.forEach((reason, count) -> callback.call(count, reason));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("smtp_queue_messages")
                .help("Messages in the delivery queue (every instance's), by state: ready (due now or being delivered) "
                        + "or deferred (waiting for a later attempt)")
                .labelNames("state").callback(callback -> {
                    QueueStatusDTO status = queueStatus();
                    if (status != null && status.messages >= 0) {
                        long deferred = Math.max(0, status.deferred);
                        callback.call(status.messages - deferred, "ready");
                        callback.call(deferred, "deferred");
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("smtp_queue_available")
                .help("1 while the queue's store takes mail, 0 while it does not (the listener answers 451)")
                .callback(callback -> {
                    QueueStatusDTO status = queueStatus();
                    if (status != null) {
                        callback.call(status.available ? 1 : 0);
                    }
                }).register(registry);
    }

    @Activate
    void activate(BundleContext context) throws InvalidSyntaxException {
        this.context = context;
        plugins = event -> {
            if (event.getType() == ServiceEvent.UNREGISTERING) {
                forget(event);
            }
        };
        context.addServiceListener(plugins, PLUGINS);
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(plugins);
        registry.clear();
    }

    /** The listener is there: its status is read when scraped. */
    void listenerAdded(ListenerStatus status) {
        listener = status;
    }

    /** The listener went away: so do its series. */
    void listenerRemoved(ListenerStatus status) {
        if (listener == status) {
            listener = null;
            for (Counter counter : List.of(connections, sessionsClosed, accepted, refused, bytes, auth, scans, policies)) {
                counter.clear();
            }
            acceptLatency.clear();
        }
    }

    /** Delivery's queue is there: its depth is read when scraped. */
    void queueAdded(MailQueue mailQueue) {
        queue = mailQueue;
    }

    /** Delivery went away: so do its series. */
    void queueRemoved(MailQueue mailQueue) {
        if (queue == mailQueue) {
            queue = null;
            deliveries.clear();
            deliveryLatency.clear();
        }
    }

    /** @return what the registry holds now */
    MetricSnapshots scrape() {
        return registry.scrape();
    }

    private QueueStatusDTO queueStatus() {
        MailQueue current = queue;
        return current == null ? null : current.status();
    }

    /** A policy plugin's or scanner's service is going away: so do its series. */
    private void forget(ServiceEvent event) {
        Object policy = event.getServiceReference().getProperty(Policy.PREFIX_ + "name");
        Object scanner = event.getServiceReference().getProperty(Scanner.PREFIX_ + "name");
        if (policy != null) {
            String name = policy.toString();
            policies.removeIf(labels -> labels.get(0).equals(name));
        }
        if (scanner != null) {
            String name = scanner.toString();
            scans.removeIf(labels -> labels.get(0).equals(name));
            policies.removeIf(labels -> labels.get(0).equals(name));
        }
    }

    static String binding(String name) {
        return name == null || name.isEmpty() ? NO_BINDING : name;
    }

    void connected(SessionDTO session) {
        connections.labelValues(binding(session.binding)).inc();
    }

    void disconnected(SessionDTO session) {
        sessionsClosed.labelValues(binding(session.binding), Boolean.toString(session.tls)).inc();
    }

    void messageReceived(SessionDTO session, MessageDTO message) {
        String binding = binding(session.binding);
        accepted.labelValues(binding).inc();
        bytes.labelValues(binding).inc(message.size);
        acceptLatency.labelValues(binding).observe(message.acceptNanos / NANOS_PER_SECOND);
    }

    void messageRefused(SessionDTO session, String reason, String reply) {
        refused.labelValues(binding(session.binding), reason).inc();
    }

    void authenticated(SessionDTO session, String mechanism, boolean succeeded) {
        auth.labelValues(binding(session.binding), mechanism, succeeded ? "success" : "failure").inc();
    }

    void messageScanned(SessionDTO session, ScanResultDTO result) {
        scans.labelValues(result.scanner, result.verdict).inc();
    }

    void policyDecided(SessionDTO session, PolicyResultDTO result) {
        policies.labelValues(result.policy, result.stage, result.action).inc();
    }

    /** Counts one of delivery's events: an attempt's outcome, and a delivery's latency. */
    void deliveryEvent(Event event) {
        String topic = event.getTopic();
        String outcome = topic.substring(topic.lastIndexOf('/') + 1).toLowerCase(java.util.Locale.ROOT);
        deliveries.labelValues(outcome).inc();
        if (topic.equals(DeliveryEvents.DELIVERED) && event.getProperty(DeliveryEvents.RECEIVED_AT) instanceof Long receivedAt
                && event.getProperty(DeliveryEvents.TIMESTAMP) instanceof Long deliveredAt && receivedAt > 0) {
            Object transport = event.getProperty(DeliveryEvents.TRANSPORT);
            deliveryLatency.labelValues(transport == null ? "unknown" : transport.toString())
                    .observe(Math.max(0, deliveredAt - receivedAt) / 1000.0);
        }
    }
}
