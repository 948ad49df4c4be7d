package smtp.webconsole.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.MailDelivery;
import smtp.delivery.api.MailQueue;
import smtp.delivery.api.QueueStatusDTO;
import smtp.delivery.api.QueuedMessageDTO;
import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;
import smtp.server.spi.SessionDTO;

/**
 * The SMTP page of the Felix web console ({@code /system/console/smtp}), apart
 * from the servlet API it is served through: each binding and its state, the
 * live sessions, the counters, charts of the last hour and the latest events of
 * the listener; the queue, page by page, and each queued message with its
 * headers, to try again now or remove; the latest deliveries and bounces; and
 * buttons that disable and enable the server or a binding. Every action is a
 * form posted with the page's CSRF token. {@link SmtpPage} serves it in web
 * console 5 (Jakarta servlet), {@link JavaxSmtpPage} in web console 4 (javax
 * servlet, Karaf 4.4).
 */
@Component(service = SmtpConsole.class)
public final class SmtpConsole {

    static final String LABEL = "smtp";
    static final String TITLE = "SMTP";
    static final String CATEGORY = "SMTP Suite";
    static final int QUEUE_PAGE = 20;
    private static final Logger LOG = LoggerFactory.getLogger(SmtpConsole.class);

    /** A request to the page and its response, in either servlet API. */
    interface Exchange {
        String parameter(String name);

        String header(String name);

        String remoteAddress();

        /** @return this console's origin as the request reached it: "http://127.0.0.1:8080" */
        String self();

        /** @return the page's own path ("/system/console/smtp") */
        String pageRoot();

        PrintWriter writer() throws IOException;

        void redirect(String location) throws IOException;

        void forbidden(String message) throws IOException;
    }

    private final Controls controls;
    private final RecentEvents events;
    private final History history;
    private final CsrfGuard csrf = new CsrfGuard();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ListenerStatus status;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailDelivery delivery;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailQueue queue;

    @Activate
    public SmtpConsole(@Reference(name = "configurationAdmin") ConfigurationAdmin configurationAdmin,
            @Reference(name = "events") RecentEvents events, @Reference(name = "history") History history) {
        this.controls = new Controls(configurationAdmin);
        this.events = events;
        this.history = history;
    }

    /** Does what a form of the page asked, then sends the browser back to the page, saying what was done. */
    void post(Exchange exchange) throws IOException {
        String refusal = csrf.refusal(exchange.parameter(CsrfGuard.PARAMETER), exchange.header("Origin"),
                exchange.header("Referer"), exchange.self());
        if (refusal != null) {
            LOG.warn("SMTP page: action refused from {}: {}", exchange.remoteAddress(), refusal);
            exchange.forbidden("Refused: " + refusal);
            return;
        }
        String action = String.valueOf(exchange.parameter("action"));
        String binding = exchange.parameter("binding");
        String queueId = exchange.parameter("queueId");
        String back = "";
        String result;
        try {
            result = switch (action) {
                case "disable-server" -> controls.setServerEnabled(false);
                case "enable-server" -> controls.setServerEnabled(true);
                case "disable-binding" -> controls.setBindingEnabled(required(binding), false);
                case "enable-binding" -> controls.setBindingEnabled(required(binding), true);
                case "retry-message" -> {
                    back = "&message=" + URLEncoder.encode(required(queueId), StandardCharsets.UTF_8);
                    yield mailQueue().retryNow(queueId) ? "Message " + queueId + ": trying again now"
                            : "Not done: no message " + queueId + " in the queue (delivered or removed)";
                }
                case "remove-message" -> mailQueue().delete(required(queueId))
                        ? "Message " + queueId + " removed from the queue, without a bounce"
                        : "Not done: message " + queueId + " is not in the queue, or is being delivered now";
                default -> throw new IllegalArgumentException("unknown action '" + action + "'");
            };
            LOG.info("SMTP page: {} (from {})", result, exchange.remoteAddress());
        } catch (IllegalArgumentException | IllegalStateException e) {
            result = "Not done: " + e.getMessage();
        }
        exchange.redirect(exchange.pageRoot() + "?result=" + URLEncoder.encode(result, StandardCharsets.UTF_8) + back);
    }

    private MailQueue mailQueue() {
        MailQueue current = queue;
        if (current == null) {
            throw new IllegalStateException("the delivery service is not running");
        }
        return current;
    }

    private static String required(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the form named no binding or message");
        }
        return value;
    }

    /** Writes the page's content (the console draws its frame around it). */
    void render(Exchange exchange) throws IOException {
        PrintWriter out = exchange.writer();
        String result = exchange.parameter("result");
        if (result != null) {
            out.println("<p class='statline ui-state-highlight' id='smtp-result'>" + Html.escape(result) + "</p>");
        }
        String message = exchange.parameter("message");
        if (message != null) {
            renderMessage(out, message);
        }
        ListenerStatus listener = status;
        renderListener(out, listener);
        Charts.render(out, history.lastHour());
        if (listener != null) {
            renderSessions(out, listener.sessions());
            renderCounters(out, listener.counters());
        }
        renderListenerEvents(out);
        renderDelivery(out, page(exchange.parameter("queuePage")));
    }

    /** The queue, {@value #QUEUE_PAGE} messages a page, oldest first, each with a link to its details. */
    private static void renderQueue(PrintWriter out, MailQueue current, int page) {
        List<QueuedMessageDTO> queued;
        String problem = null;
        try {
            queued = current.list();
        } catch (IllegalStateException e) {
            queued = List.of();
            problem = e.getMessage();
        }
        long deferred = queued.stream().filter(message -> message.attempts > 0).count();
        int pages = Math.max(1, (queued.size() + QUEUE_PAGE - 1) / QUEUE_PAGE);
        int shown = Math.min(page, pages);
        out.println("<h3 id='smtp-queue-browser'>Queue</h3>");
        out.println("<p class='statline' id='smtp-queue' data-size='" + queued.size() + "' data-deferred='" + deferred
                + "' data-page='" + shown + "' data-pages='" + pages + "'>" + queued.size() + " message(s), " + deferred
                + " deferred" + (problem == null ? "" : "; the queue cannot be listed now: " + Html.escape(problem))
                + (queued.size() > QUEUE_PAGE ? "; page " + shown + " of " + pages : "") + ".</p>");
        if (queued.isEmpty()) {
            return;
        }
        out.println("<table class='nicetable' id='smtp-queue-table'><thead><tr><th>Queue id</th><th>Received</th>"
                + "<th>Sender</th><th>Recipients</th><th>Attempts</th><th>Next attempt</th><th>Last error</th></tr>"
                + "</thead><tbody>");
        int from = (shown - 1) * QUEUE_PAGE;
        for (QueuedMessageDTO message : queued.subList(from, Math.min(from + QUEUE_PAGE, queued.size()))) {
            String id = Html.escape(message.queueId);
            out.println("<tr data-queue-id='" + id + "'><td><a href='?message=" + id + "#smtp-message'>" + id + "</a></td>"
                    + "<td>" + SmtpCommands.TIME.format(Instant.ofEpochMilli(message.receivedAt)) + "</td>"
                    + "<td>" + Html.escape("<" + message.sender + ">") + "</td>"
                    + "<td>" + Html.escape(String.join(", ", message.recipients)) + "</td><td>" + message.attempts + "</td>"
                    + "<td>" + nextAttempt(message) + "</td>"
                    + "<td>" + Html.escape(message.lastError == null ? "" : message.lastError) + "</td></tr>");
        }
        out.println("</tbody></table>");
        if (pages > 1) {
            out.println("<p class='statline' id='smtp-queue-pages'>"
                    + (shown > 1 ? "<a id='smtp-queue-previous' href='?queuePage=" + (shown - 1)
                            + "#smtp-queue-browser'>&larr; newer</a> " : "")
                    + (shown < pages ? "<a id='smtp-queue-next' href='?queuePage=" + (shown + 1)
                            + "#smtp-queue-browser'>older &rarr;</a>" : "")
                    + "</p>");
        }
    }

    private static String nextAttempt(QueuedMessageDTO message) {
        return message.nextAttempt == 0 || message.nextAttempt <= System.currentTimeMillis() ? "now"
                : SmtpCommands.TIME.format(Instant.ofEpochMilli(message.nextAttempt));
    }

    /** One queued message: its envelope, header section, attempts and last error, with buttons to retry or remove it. */
    private void renderMessage(PrintWriter out, String queueId) {
        out.println("<h2 id='smtp-message'>Queued message " + Html.escape(queueId) + "</h2>");
        MailQueue current = queue;
        QueuedMessageDTO message;
        try {
            message = current == null ? null : current.get(queueId);
        } catch (IllegalStateException e) {
            out.println("<p class='statline' id='smtp-message-state' data-state='unknown'>The queue cannot be asked now: "
                    + Html.escape(e.getMessage()) + "</p>");
            return;
        }
        if (message == null) {
            out.println("<p class='statline' id='smtp-message-state' data-state='gone'>No message " + Html.escape(queueId)
                    + " in the queue: it was delivered, bounced or removed. <a href='?#smtp-queue-browser'>Back to the "
                    + "queue</a></p>");
            return;
        }
        String id = Html.escape(message.queueId);
        out.println("<table class='nicetable' id='smtp-message-envelope' data-queue-id='" + id + "'><tbody>"
                + "<tr><th>Queue id</th><td>" + id + "</td></tr>"
                + "<tr><th>Sender</th><td>" + Html.escape("<" + message.sender + ">") + "</td></tr>"
                + "<tr><th>Recipients</th><td>" + Html.escape(String.join(", ", message.recipients)) + "</td></tr>"
                + "<tr><th>Received</th><td>" + SmtpCommands.TIME.format(Instant.ofEpochMilli(message.receivedAt))
                + "</td></tr>"
                + "<tr><th>Attempts</th><td id='smtp-message-attempts'>" + message.attempts + "</td></tr>"
                + "<tr><th>Next attempt</th><td>" + nextAttempt(message) + "</td></tr>"
                + "<tr><th>Last error</th><td id='smtp-message-error'>"
                + Html.escape(message.lastError == null ? "-" : message.lastError) + "</td></tr>"
                + "</tbody></table>");
        out.println("<h3>Header section</h3>");
        out.println("<pre id='smtp-message-headers' style='white-space:pre-wrap;max-height:24em;overflow:auto'>"
                + Html.escape(message.headers == null ? "(not readable now: the message is being delivered)"
                        : message.headers)
                + "</pre>");
        out.println("<form method='post' class='statline' style='display:inline'>" + hiddenToken()
                + "<input type='hidden' name='queueId' value='" + id + "'>"
                + "<button type='submit' name='action' value='retry-message' id='smtp-message-retry'>Try again now</button>"
                + "</form> <form method='post' class='statline' style='display:inline'>" + hiddenToken()
                + "<input type='hidden' name='queueId' value='" + id + "'>"
                + "<button type='submit' name='action' value='remove-message' id='smtp-message-remove'>Remove (no "
                + "bounce)</button></form> <a href='?#smtp-queue-browser'>Back to the queue</a>");
    }

    private static int page(String parameter) {
        try {
            return parameter == null ? 1 : Math.max(1, Integer.parseInt(parameter));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private void renderListener(PrintWriter out, ListenerStatus listener) {
        out.println("<h2>SMTP listener</h2>");
        if (listener == null) {
            out.println("<p class='statline' id='smtp-server-state' data-state='stopped'>The SMTP listener is not running: "
                    + "the bundle smtp.server is stopped or not installed. Delivery is not affected.</p>");
            return;
        }
        boolean enabled = listener.enabled();
        out.println("<form method='post' class='statline'>" + hiddenToken()
                + "<span id='smtp-server-state' data-state='" + (enabled ? "enabled" : "disabled") + "'>The server is <b>"
                + (enabled ? "enabled" : "disabled") + "</b>.</span> "
                + "<button type='submit' name='action' id='smtp-server-toggle' value='" + (enabled ? "disable" : "enable")
                + "-server'>" + (enabled ? "Disable" : "Enable") + " the server</button>"
                + (enabled ? " <small>Disabling closes every port; live sessions may finish their messages; delivery "
                        + "keeps running.</small>" : "")
                + "</form>");
        out.println("<table class='nicetable' id='smtp-endpoints'><thead><tr><th>Binding</th><th>Address</th><th>Port</th>"
                + "<th>TLS</th><th>State</th><th>Sessions</th><th></th></tr></thead><tbody>");
        for (EndpointDTO endpoint : listener.endpoints()) {
            out.println("<tr data-binding='" + Html.escape(String.valueOf(endpoint.binding)) + "' data-state='"
                    + Html.escape(endpoint.state) + "' data-port='" + endpoint.port + "'>"
                    + "<td>" + Html.escape(endpoint.description)
                    + (endpoint.binding == null ? " <small>(implicit)</small>" : "<br><small>" + Html.escape(endpoint.binding)
                            + "</small>") + "</td>"
                    + "<td>" + Html.escape(endpoint.address == null ? "-" : endpoint.address) + "</td>"
                    + "<td>" + endpoint.port + "</td>"
                    + "<td>" + Html.escape(endpoint.tlsMode) + "</td>"
                    + "<td class='smtp-state'>" + Html.escape(endpoint.state)
                    + (endpoint.reason == null ? "" : "<br><small>" + Html.escape(endpoint.reason) + "</small>") + "</td>"
                    + "<td>" + endpoint.sessions + "</td>"
                    + "<td>" + bindingButton(endpoint, enabled) + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    /** @return the binding's switch, or nothing while the whole server is off or the binding has no valid configuration */
    private String bindingButton(EndpointDTO endpoint, boolean serverEnabled) {
        if (!serverEnabled || endpoint.binding == null || EndpointDTO.FAILED.equals(endpoint.state) && endpoint.address == null) {
            return "";
        }
        boolean off = EndpointDTO.DISABLED.equals(endpoint.state); // with the server on, only the binding's own switch
        String action = off ? "enable" : "disable";
        return "<form method='post'>" + hiddenToken() + "<input type='hidden' name='binding' value='"
                + Html.escape(endpoint.binding) + "'><button type='submit' name='action' value='" + action + "-binding'>"
                + (off ? "Enable" : "Disable") + "</button></form>";
    }

    private String hiddenToken() {
        return "<input type='hidden' name='" + CsrfGuard.PARAMETER + "' value='" + csrf.token() + "'>";
    }

    private static void renderSessions(PrintWriter out, List<SessionDTO> sessions) {
        out.println("<h2>Sessions (" + sessions.size() + ")</h2>");
        out.println("<table class='nicetable' id='smtp-sessions'><thead><tr><th>Client</th><th>HELO</th><th>TLS</th>"
                + "<th>User</th><th>Started</th><th>Endpoint</th><th>Intercepted on its way to</th></tr></thead><tbody>");
        for (SessionDTO session : sessions) {
            out.println("<tr><td>" + Html.escape(session.clientAddress + ":" + session.clientPort) + "</td>"
                    + "<td>" + Html.escape(session.heloName == null ? "-" : session.heloName) + "</td>"
                    + "<td>" + (session.tls ? "yes" : "no") + "</td>"
                    + "<td>" + Html.escape(session.authenticatedUser == null ? "-" : session.authenticatedUser) + "</td>"
                    + "<td>" + SmtpCommands.TIME.format(Instant.ofEpochMilli(session.startedAt)) + "</td>"
                    + "<td>" + Html.escape(session.localAddress + ":" + session.localPort) + "</td>"
                    + "<td data-original-destination='" + Html.escape(session.originalDestination) + "'>"
                    + Html.escape(session.originalDestination == null ? "-" : session.originalDestination) + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    private static void renderCounters(PrintWriter out, CountersDTO counters) {
        out.println("<h2>Counters <small>since " + SmtpCommands.TIME.format(Instant.ofEpochMilli(counters.since))
                + "</small></h2>");
        out.println("<table class='nicetable' id='smtp-counters'><tbody>"
                + row("Connections", counters.connections) + row("Connections refused (limits)", counters.connectionsRefused)
                + row("Messages accepted", counters.messagesAccepted) + row("Messages rejected", counters.messagesRejected)
                + row("Bytes accepted", counters.bytesAccepted) + row("Scans: clean", counters.scansClean)
                + row("Scans: infected", counters.scansInfected) + row("Scans: failed", counters.scansFailed)
                + "</tbody></table>");
        renderPolicyVerdicts(out, counters.policyVerdicts);
    }

    /** One row per policy plugin, one column per action any of them took. */
    static void renderPolicyVerdicts(PrintWriter out, Map<String, Map<String, Long>> verdicts) {
        out.println("<h2>Policy verdicts</h2>");
        if (verdicts == null || verdicts.isEmpty()) {
            out.println("<p class='statline' id='smtp-policy-verdicts'>none yet (no policy plugin has been asked)</p>");
            return;
        }
        Set<String> actions = new TreeSet<>();
        verdicts.values().forEach(counts -> actions.addAll(counts.keySet()));
        StringBuilder table = new StringBuilder("<table class='nicetable' id='smtp-policy-verdicts'><thead><tr><th>Plugin</th>");
        actions.forEach(action -> table.append("<th>").append(Html.escape(action)).append("</th>"));
        table.append("</tr></thead><tbody>");
        new TreeMap<>(verdicts).forEach((plugin, counts) -> {
            table.append("<tr><td>").append(Html.escape(plugin)).append("</td>");
            for (String action : actions) {
                table.append("<td data-policy='").append(Html.escape(plugin)).append("' data-action='")
                        .append(Html.escape(action)).append("'>").append(counts.getOrDefault(action, 0L)).append("</td>");
            }
            table.append("</tr>");
        });
        out.println(table.append("</tbody></table>"));
    }

    private static String row(String name, long value) {
        return "<tr><th>" + name + "</th><td data-counter='" + Html.escape(name) + "'>" + value + "</td></tr>";
    }

    private void renderListenerEvents(PrintWriter out) {
        out.println("<h2>Latest listener events</h2>");
        renderEvents(out, "smtp-events", events.listenerEvents(),
                "none yet (the events come from the smtp.events bundle through EventAdmin)");
    }

    private static void renderEvents(PrintWriter out, String id, List<RecentEvents.Entry> entries, String none) {
        if (entries.isEmpty()) {
            out.println("<p class='statline' id='" + id + "'>" + none + "</p>");
            return;
        }
        out.println("<table class='nicetable' id='" + id + "'><thead><tr><th>Time</th><th>Event</th><th>Details</th></tr>"
                + "</thead><tbody>");
        for (RecentEvents.Entry entry : entries) {
            StringBuilder details = new StringBuilder();
            for (Map.Entry<String, Object> property : entry.properties().entrySet()) {
                if (!property.getKey().equals("timestamp")) {
                    details.append(details.isEmpty() ? "" : ", ").append(property.getKey()).append('=')
                            .append(property.getValue() instanceof Object[] array ? List.of(array) : property.getValue());
                }
            }
            out.println("<tr><td>" + SmtpCommands.TIME.format(Instant.ofEpochMilli(entry.time())) + "</td><td>"
                    + Html.escape(entry.topic()) + "</td><td>" + Html.escape(details.toString()) + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    private void renderDelivery(PrintWriter out, int page) {
        out.println("<h2>Delivery</h2>");
        if (delivery == null) {
            out.println("<p class='statline' id='smtp-delivery-state' data-state='stopped'>The delivery service is not "
                    + "running: the bundle smtp.delivery is stopped or not installed.</p>");
        }
        MailQueue current = queue;
        if (current != null) {
            QueueStatusDTO status = current.status();
            out.println("<p class='statline' id='smtp-queue-store' data-available='" + status.available + "'>Queue store: "
                    + Html.escape(status.store + ", " + status.location) + (status.available ? ""
                            : ". It does not take mail now, so the listener answers 451: " + Html.escape(status.problem))
                    + "</p>");
            renderQueue(out, current, page);
        }
        out.println("<h3>Latest deliveries, deferrals and bounces</h3>");
        renderEvents(out, "smtp-deliveries", events.deliveryEvents(), "none yet");
    }
}
