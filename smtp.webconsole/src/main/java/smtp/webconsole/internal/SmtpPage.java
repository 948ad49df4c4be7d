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

import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import smtp.delivery.api.MailDelivery;
import smtp.delivery.api.MailQueue;
import smtp.delivery.api.QueueStatusDTO;
import smtp.delivery.api.QueuedMessageDTO;
import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;
import smtp.server.spi.SessionDTO;

/**
 * The SMTP page of the Felix web console ({@code /system/console/smtp}): each
 * binding and its state, the live sessions, the counters and the latest events
 * of the listener; the queue and the latest deliveries and bounces; and buttons
 * that disable and enable the server or a binding.
 */
@Component(service = Servlet.class, property = {ServletConstants.PLUGIN_LABEL + "=" + SmtpPage.LABEL,
        ServletConstants.PLUGIN_TITLE + "=SMTP", ServletConstants.PLUGIN_CATEGORY + "=SMTP Suite"})
public final class SmtpPage extends AbstractServlet {

    static final String LABEL = "smtp";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SmtpPage.class);
    private static final int QUEUE_SHOWN = 20;

    private final transient Controls controls;
    private final transient RecentEvents events;
    private final transient CsrfGuard csrf = new CsrfGuard();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile ListenerStatus status;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile MailDelivery delivery;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile MailQueue queue;

    @Activate
    public SmtpPage(@Reference(name = "configurationAdmin") ConfigurationAdmin configurationAdmin,
            @Reference(name = "events") RecentEvents events) {
        this.controls = new Controls(configurationAdmin);
        this.events = events;
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String self = request.getScheme() + "://" + request.getHeader("Host");
        String refusal = csrf.refusal(request.getParameter(CsrfGuard.PARAMETER), request.getHeader("Origin"),
                request.getHeader("Referer"), self);
        if (refusal != null) {
            LOG.warn("SMTP page: action refused from {}: {}", request.getRemoteAddr(), refusal);
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "Refused: " + refusal);
            return;
        }
        String action = String.valueOf(request.getParameter("action"));
        String binding = request.getParameter("binding");
        String result;
        try {
            result = switch (action) {
                case "disable-server" -> controls.setServerEnabled(false);
                case "enable-server" -> controls.setServerEnabled(true);
                case "disable-binding" -> controls.setBindingEnabled(required(binding), false);
                case "enable-binding" -> controls.setBindingEnabled(required(binding), true);
                default -> throw new IllegalArgumentException("unknown action '" + action + "'");
            };
            LOG.info("SMTP page: {} (from {})", result, request.getRemoteAddr());
        } catch (IllegalArgumentException e) {
            result = "Not done: " + e.getMessage();
        }
        response.sendRedirect(request.getAttribute(ServletConstants.ATTR_PLUGIN_ROOT) + "?result="
                + URLEncoder.encode(result, StandardCharsets.UTF_8));
    }

    private static String required(String binding) {
        if (binding == null || binding.isBlank()) {
            throw new IllegalArgumentException("no binding given");
        }
        return binding;
    }

    @Override
    public void renderContent(HttpServletRequest request, HttpServletResponse response) throws IOException {
        PrintWriter out = response.getWriter();
        String result = request.getParameter("result");
        if (result != null) {
            out.println("<p class='statline ui-state-highlight' id='smtp-result'>" + Html.escape(result) + "</p>");
        }
        ListenerStatus listener = status;
        renderListener(out, listener);
        if (listener != null) {
            renderSessions(out, listener.sessions());
            renderCounters(out, listener.counters());
        }
        renderListenerEvents(out);
        renderDelivery(out);
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
                + "<th>User</th><th>Started</th><th>Endpoint</th></tr></thead><tbody>");
        for (SessionDTO session : sessions) {
            out.println("<tr><td>" + Html.escape(session.clientAddress + ":" + session.clientPort) + "</td>"
                    + "<td>" + Html.escape(session.heloName == null ? "-" : session.heloName) + "</td>"
                    + "<td>" + (session.tls ? "yes" : "no") + "</td>"
                    + "<td>" + Html.escape(session.authenticatedUser == null ? "-" : session.authenticatedUser) + "</td>"
                    + "<td>" + SmtpCommands.TIME.format(Instant.ofEpochMilli(session.startedAt)) + "</td>"
                    + "<td>" + Html.escape(session.localAddress + ":" + session.localPort) + "</td></tr>");
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

    private void renderDelivery(PrintWriter out) {
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
            List<QueuedMessageDTO> queued;
            try {
                queued = current.list();
            } catch (IllegalStateException e) {
                queued = List.of();
            }
            long deferred = queued.stream().filter(message -> message.attempts > 0).count();
            out.println("<p class='statline' id='smtp-queue' data-size='" + queued.size() + "' data-deferred='" + deferred
                    + "'>Queue: " + queued.size() + " message(s), " + deferred + " deferred.</p>");
            if (!queued.isEmpty()) {
                out.println("<table class='nicetable'><thead><tr><th>Queue id</th><th>Sender</th><th>Recipients</th>"
                        + "<th>Attempts</th><th>Next attempt</th><th>Last error</th></tr></thead><tbody>");
                for (QueuedMessageDTO message : queued.subList(0, Math.min(QUEUE_SHOWN, queued.size()))) {
                    out.println("<tr><td>" + Html.escape(message.queueId) + "</td><td>" + Html.escape("<" + message.sender + ">")
                            + "</td><td>" + Html.escape(String.join(", ", message.recipients)) + "</td><td>" + message.attempts
                            + "</td><td>" + (message.nextAttempt == 0 ? "now"
                                    : SmtpCommands.TIME.format(Instant.ofEpochMilli(message.nextAttempt)))
                            + "</td><td>" + Html.escape(message.lastError == null ? "" : message.lastError) + "</td></tr>");
                }
                out.println("</tbody></table>");
            }
        }
        out.println("<h3>Latest deliveries, deferrals and bounces</h3>");
        renderEvents(out, "smtp-deliveries", events.deliveryEvents(), "none yet");
    }
}
