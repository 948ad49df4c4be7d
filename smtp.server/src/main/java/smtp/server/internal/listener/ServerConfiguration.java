package smtp.server.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = SmtpListener.PID,
        name = "SMTP server",
        description = "The SMTP listener. Bindings are configured separately (SMTP server binding); with none, "
                + "the server listens on every address of every Internal interface.")
@interface ServerConfiguration {

    @AttributeDefinition(name = "Enabled",
            description = "Whether the server listens at all. Delivery keeps running when it is off.")
    boolean enabled() default true;

    @AttributeDefinition(name = "Host name",
            description = "Name in the greeting, the EHLO answer and Received headers; empty means this machine's name.")
    String hostName() default "";

    @AttributeDefinition(name = "Port", min = "1", max = "65535",
            description = "Port of the implicit binding, used when no SMTP server binding is configured.")
    int port() default 25;

    @AttributeDefinition(name = "Interface usage",
            description = "Rules that mark interfaces Internal or External, first match wins: <interface name | IP address "
                    + "| CIDR network>=<internal | external>, for example eth1=external or 192.0.2.0/24=external. Unmatched "
                    + "addresses: loopback, RFC 1918, RFC 4193 and link-local are Internal, the rest External.")
    String[] interfaceUsage() default {};

    @AttributeDefinition(name = "Relay networks",
            description = "Networks (CIDR) whose clients may send to other domains without AUTH, when they connect "
                    + "to an Internal interface. Empty: every client of an Internal interface. Authenticated clients "
                    + "may relay everywhere; unauthenticated clients of External interfaces never.")
    String[] relayNetworks() default {};

    @AttributeDefinition(name = "AUTH failure delay", min = "0",
            description = "Milliseconds before the 535 to a wrong password; doubled with each failure of the same "
                    + "client address (forgotten after 15 quiet minutes), up to the maximum below.")
    int authFailureDelay() default 1000;

    @AttributeDefinition(name = "AUTH failure delay maximum", min = "0", description = "Milliseconds.")
    int authFailureDelayMax() default 30000;

    @AttributeDefinition(name = "Maximum message size", min = "1024",
            description = "Largest message accepted, in bytes (advertised as SIZE). Larger ones are refused with 552.")
    int maxMessageSize() default 26214400;

    @AttributeDefinition(name = "Maximum recipients", min = "1",
            description = "Recipients accepted per message; more are refused with 452.")
    int maxRecipients() default 100;

    @AttributeDefinition(name = "Maximum connections", min = "1",
            description = "Simultaneous connections in all; more are told 421 and closed.")
    int maxConnections() default 1000;

    @AttributeDefinition(name = "Maximum connections per client", min = "1",
            description = "Simultaneous connections from one client address; more are told 421 and closed.")
    int maxConnectionsPerClient() default 20;

    @AttributeDefinition(name = "Maximum messages per connection", min = "1",
            description = "Messages one connection may send; the next MAIL is told 421 and the connection closed.")
    int maxMessagesPerConnection() default 100;

    @AttributeDefinition(name = "Maximum bad commands", min = "1",
            description = "Unknown, malformed or out-of-sequence commands one connection may send; the next is told 421 "
                    + "and the connection closed.")
    int maxBadCommands() default 10;

    @AttributeDefinition(name = "Scan directory",
            description = "Where messages wait while data-scanning plugins look at them (only when some are installed).")
    String scanDirectory() default "data/scan";

    @AttributeDefinition(name = "Quarantine directory",
            description = "Where a scanner with the quarantine policy puts infected messages, each with a note of why.")
    String quarantineDirectory() default "data/quarantine";

    @AttributeDefinition(name = "Maximum hops", min = "1",
            description = "Received headers a message may carry; one more means a mail loop, refused with 554 5.4.6.")
    int maxHops() default 50;

    @AttributeDefinition(name = "Session deadline", min = "1",
            description = "Seconds a connection may last in all, however active; then it is closed. Stops clients that "
                    + "send a byte now and then to keep a connection forever.")
    int sessionDeadline() default 1800;

    @AttributeDefinition(name = "Drain grace period", min = "0",
            description = "Seconds that sessions may go on finishing their messages after the server or a binding is "
                    + "disabled, or the listener stops; the port closes at once. A session waiting for a command with no "
                    + "message under way gets 421 at once; one in the middle of a message finishes it first; what is "
                    + "still open when the period ends is closed.")
    int drainGracePeriod() default 30;

    @AttributeDefinition(name = "Virtual threads",
            description = "Run each session on a virtual thread when the JVM has them (Java 21 and later), so that "
                    + "thousands of mostly idle connections cost little memory; on Java 17 sessions use platform threads.")
    boolean virtualThreads() default true;

    @AttributeDefinition(name = "Idle timeout", min = "1",
            description = "Seconds a client may stay silent before it is told 421 and disconnected.")
    int idleTimeout() default 300;
}
