package smtp.server.api;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/** One address and port of a binding, as {@link ListenerStatus} reports it. */
@ProviderType
public class EndpointDTO extends DTO {

    /** State: accepting connections. */
    public static final String LISTENING = "LISTENING";
    /** State: switched off in the configuration (the binding's or the whole server's). */
    public static final String DISABLED = "DISABLED";
    /** State: not accepting connections any more; the sessions it has are finishing ({@link #sessions}). */
    public static final String DRAINING = "DRAINING";
    /** State: waiting for something it needs, such as its TLS profile; {@link #reason} says what. */
    public static final String WAITING = "WAITING";
    /** State: cannot listen; {@link #reason} says why. */
    public static final String FAILED = "FAILED";

    /**
     * PID of the {@code smtp.server.binding} configuration, or {@code null} for the implicit binding
     * (every Internal address on the {@code smtp.server} port, used when no binding is configured).
     */
    public String binding;

    /**
     * The binding's name, as sessions ({@code SessionDTO.binding}), policy plugins and the log know it: its configured
     * {@code name}, else its address and port ("127.0.0.1:25"); {@code null} where the binding has no valid configuration.
     *
     * @since 2.2
     */
    public String name;

    /** What the binding covers, for people: "127.0.0.1 port 25 (starttls TLS)". */
    public String description;

    /** Textual IP address, or {@code null} when the binding has none now (disabled, failed). */
    public String address;

    /** TCP port (0 if the configuration gives none that is valid). */
    public int port;

    /** {@code none}, {@code starttls} or {@code implicit}. */
    public String tlsMode;

    /** One of {@link #LISTENING}, {@link #DISABLED}, {@link #DRAINING}, {@link #WAITING}, {@link #FAILED}. */
    public String state;

    /** Why the endpoint is not listening, or {@code null}. */
    public String reason;

    /** Live sessions on this endpoint. */
    public int sessions;
}
