package smtp.server.internal.listener;

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
            description = "Milliseconds a client address waits before its next password check after a failed one; "
                    + "doubled with each failure (forgotten after 15 quiet minutes), up to the maximum below. The wait "
                    + "comes before the check, and one address has one check at a time.")
    int authFailureDelay() default 1000;

    @AttributeDefinition(name = "AUTH failure delay maximum", min = "0", description = "Milliseconds.")
    int authFailureDelayMax() default 30000;

    @AttributeDefinition(name = "AUTH checks at once", min = "0",
            description = "Password checks (slow hashes) that may run at the same time in all; an attempt that waits "
                    + "more than 10 s for its turn is told 454 (try later). 0: half the processors, at least one.")
    int maxAuthChecks() default 0;

    @AttributeDefinition(name = "Maximum message size", min = "1024",
            description = "Largest message accepted, in bytes (advertised as SIZE). Larger ones are refused with 552.")
    int maxMessageSize() default 26214400;

    @AttributeDefinition(name = "Maximum recipients", min = "1",
            description = "Recipients accepted per message; more are refused with 452.")
    int maxRecipients() default 100;

    @AttributeDefinition(name = "Maximum connections", min = "0",
            description = "Simultaneous connections in all; more are told 421 and closed. 0: as many as fit the heap, "
                    + "one per 256 KiB of the maximum heap, from 100 to 10,000 (1,024 with -Xmx256m).")
    int maxConnections() default 0;

    @AttributeDefinition(name = "Maximum connections per client", min = "1",
            description = "Simultaneous connections from one client address; more are told 421 and closed.")
    int maxConnectionsPerClient() default 20;

    @AttributeDefinition(name = "Maximum messages per connection", min = "1",
            description = "Messages one connection may send; the next MAIL is told 421 and the connection closed.")
    int maxMessagesPerConnection() default 100;

    @AttributeDefinition(name = "Maximum bad commands", min = "1",
            description = "Unknown, malformed or out-of-sequence commands (blank lines, lines too long or not UTF-8, "
                    + "failed AUTH included) one connection may send; the next is told 421 and the connection closed.")
    int maxBadCommands() default 10;

    @AttributeDefinition(name = "Maximum unknown recipients", min = "1",
            description = "Recipients refused as unknown local users that one connection may try; the next is told 421 "
                    + "and the connection closed. Stops address guessing.")
    int maxUnknownRecipients() default 20;

    @AttributeDefinition(name = "Error delay", min = "0",
            description = "Milliseconds before the reply to each error (bad command or unknown recipient) after the "
                    + "third of a connection, doubled with each further error up to the maximum below.")
    int errorDelay() default 250;

    @AttributeDefinition(name = "Error delay maximum", min = "0", description = "Milliseconds.")
    int errorDelayMax() default 4000;

    @AttributeDefinition(name = "Minimum data rate", min = "0",
            description = "Bytes per second a message must come in at, once the idle timeout is used up: a message "
                    + "(DATA or BDAT) has the idle timeout plus one second per this many bytes received. Cuts off "
                    + "clients that drip a byte now and then. 0: only the idle timeout and the session deadline apply.")
    int minDataRate() default 500;

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
            description = "Seconds a client may stay silent before it is told 421 and disconnected; also the time a "
                    + "command line has to arrive.")
    int idleTimeout() default 300;
}
