package smtp.server.api;

import java.util.Map;
import java.util.TreeMap;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/** Counters of the SMTP listener since it started, as {@link ListenerStatus} reports them. */
@ProviderType
public class CountersDTO extends DTO {

    /** When counting started, ms since the epoch. */
    public long since;

    /** Connections accepted. */
    public long connections;

    /** Refusal reason: the listener had its maximum of connections ({@code maxConnections}). */
    public static final String REFUSED_MAX_CONNECTIONS = "max-connections";
    /** Refusal reason: the client had its maximum of connections ({@code maxConnectionsPerClient}). */
    public static final String REFUSED_MAX_PER_CLIENT = "max-per-client";
    /** Refusal reason: a connection made straight to an intercepting binding, not intercepted. */
    public static final String REFUSED_NOT_INTERCEPTED = "not-intercepted";

    /** Connections refused before their session opened: by a connection limit, or not intercepted. */
    public long connectionsRefused;

    /**
     * The refused connections by reason, one of the {@code REFUSED_} constants.
     *
     * @since 2.2
     */
    public Map<String, Long> connectionsRefusedByReason = new TreeMap<>();

    /** Messages accepted (250 after DATA), quarantined ones included. */
    public long messagesAccepted;

    /** Messages refused after DATA: too large, a loop, bare line endings, a scanner's verdict, delivery refused. */
    public long messagesRejected;

    /** Bytes of accepted messages, as the client sent them. */
    public long bytesAccepted;

    /** Scanner verdicts: clean. */
    public long scansClean;

    /** Scanner verdicts: infected. */
    public long scansInfected;

    /** Scanner verdicts: failed (the scanner could not decide). */
    public long scansFailed;

    /** Verdicts of the policy plugins: by plugin name, the count of each action (CONTINUE, REJECT, DEFER, ...). */
    public Map<String, Map<String, Long>> policyVerdicts = new TreeMap<>();
}
