package smtp.webconsole.internal;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;
import smtp.server.spi.SessionDTO;

/**
 * The {@code smtp:} Gogo commands: what the SMTP page shows and does, for
 * shells and scripts. {@code smtp:status}, {@code smtp:sessions},
 * {@code smtp:enable [binding]}, {@code smtp:disable [binding]}.
 */
@Component(service = SmtpCommands.class, property = {"osgi.command.scope=smtp", "osgi.command.function=status",
        "osgi.command.function=sessions", "osgi.command.function=enable", "osgi.command.function=disable"})
public final class SmtpCommands {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final Controls controls;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ListenerStatus status;

    @Activate
    public SmtpCommands(@Reference(name = "configurationAdmin") ConfigurationAdmin configurationAdmin) {
        this.controls = new Controls(configurationAdmin);
    }

    /** smtp:status: whether the server is enabled, each endpoint, the counters and the policy verdicts. */
    public String status() {
        ListenerStatus current = status;
        if (current == null) {
            return "SMTP listener: not running (bundle smtp.server stopped or missing)";
        }
        StringBuilder text = new StringBuilder("SMTP server: " + (current.enabled() ? "enabled" : "disabled") + "\n");
        List<EndpointDTO> endpoints = current.endpoints();
        text.append(String.format("%-10s %-28s %-9s %-8s %s%n", "STATE", "ENDPOINT", "TLS", "SESSIONS", "BINDING"));
        for (EndpointDTO endpoint : endpoints) {
            String where = endpoint.address == null ? "-" : Health.where(endpoint);
            text.append(String.format("%-10s %-28s %-9s %-8d %s%s%n", endpoint.state, where, endpoint.tlsMode,
                    endpoint.sessions, endpoint.binding == null ? "(implicit)" : endpoint.binding,
                    endpoint.reason == null ? "" : "  " + endpoint.reason));
        }
        CountersDTO counters = current.counters();
        text.append(String.format("since %s: %d connections (%d refused), %d messages accepted (%d bytes), %d rejected; "
                + "scans %d clean, %d infected, %d failed", TIME.format(Instant.ofEpochMilli(counters.since)),
                counters.connections, counters.connectionsRefused, counters.messagesAccepted, counters.bytesAccepted,
                counters.messagesRejected, counters.scansClean, counters.scansInfected, counters.scansFailed));
        if (counters.policyVerdicts != null) {
            new java.util.TreeMap<>(counters.policyVerdicts).forEach((policy, actions) -> text.append("\npolicy ")
                    .append(policy).append(": ").append(actions.toString().replaceAll("[{}]", "")));
        }
        return text.toString();
    }

    /** smtp:sessions: the live sessions. */
    public String sessions() {
        ListenerStatus current = status;
        if (current == null) {
            return "SMTP listener: not running";
        }
        List<SessionDTO> sessions = current.sessions();
        StringBuilder text = new StringBuilder(sessions.size() + " session(s)\n");
        text.append(String.format("%-20s %-24s %-24s %-5s %-16s %s%n", "STARTED", "CLIENT", "HELO", "TLS", "USER", "LOCAL"));
        for (SessionDTO session : sessions) {
            text.append(String.format("%-20s %-24s %-24s %-5s %-16s %s%n", TIME.format(Instant.ofEpochMilli(session.startedAt)),
                    session.clientAddress + ":" + session.clientPort, session.heloName == null ? "-" : session.heloName,
                    session.tls ? "yes" : "no", session.authenticatedUser == null ? "-" : session.authenticatedUser,
                    session.localAddress + ":" + session.localPort
                            + (session.originalDestination == null ? "" : " (intercepted, for "
                                    + session.originalDestination + ")")));
        }
        return text.toString().stripTrailing();
    }

    /** smtp:enable: enables the server. */
    public String enable() throws IOException {
        return controls.setServerEnabled(true);
    }

    /** smtp:enable BINDING: enables one binding (its PID, as smtp:status shows). */
    public String enable(String binding) throws IOException {
        return controls.setBindingEnabled(binding, true);
    }

    /** smtp:disable: disables the server; live sessions may finish their messages. */
    public String disable() throws IOException {
        return controls.setServerEnabled(false);
    }

    /** smtp:disable BINDING: disables one binding (its PID, as smtp:status shows). */
    public String disable(String binding) throws IOException {
        return controls.setBindingEnabled(binding, false);
    }
}
