package smtp.delivery.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = DeliveryService.PID,
        name = "SMTP Delivery service",
        description = "Local Maildir delivery and relay, with retries and bounces, for every message the suite accepts; "
                + "the queue's store is another bundle's (Artemis, or the file spool).")
@interface DeliveryConfiguration {

    @AttributeDefinition(name = "Queue store", required = false,
            description = "A filter naming the queue store to use, such as (smtp.queue.store=spool). The default takes "
                    + "the store of the highest service ranking.")
    String store_target() default "(smtp.queue.store=*)";

    @AttributeDefinition(name = "Mailbox root",
            description = "Root of the local Maildir mailboxes: one Maildir per mailbox at <root>/<domain>/<local part>/.")
    String mailboxRoot() default "data/mail";

    @AttributeDefinition(name = "Local domains",
            description = "Domains whose mail is delivered into local mailboxes. Mail for other domains is queued for relay.")
    String[] localDomains() default {"localhost"};

    @AttributeDefinition(name = "Mailboxes",
            description = "Addresses whose Maildir is created at start (for example alice@example.org). A Maildir created by hand "
                    + "under the mailbox root counts as a mailbox too; postmaster exists in every local domain.")
    String[] mailboxes() default {};

    @AttributeDefinition(name = "Direct local delivery",
            description = "Write a message whose recipients are all local straight into their Maildirs before the 250, "
                    + "without the queue: one file per mailbox. Off: every message goes through the queue.")
    boolean directLocalDelivery() default true;

    @AttributeDefinition(name = "Host name",
            description = "Name in Maildir file names, in EHLO to other servers and in bounces; empty means this machine's name.")
    String hostName() default "";

    @AttributeDefinition(name = "Smarthost", required = false,
            description = "host or host:port ([IPv6]:port) of a server that takes all mail for other domains. "
                    + "Empty: each domain's own mail servers (MX).")
    String smarthost() default "";

    @AttributeDefinition(name = "Smarthost user", required = false, description = "User name for AUTH at the smarthost (sent over TLS only).")
    String smarthostUser() default "";

    @AttributeDefinition(name = "Smarthost password", type = AttributeType.PASSWORD, required = false,
            description = "Password for AUTH at the smarthost.")
    String _smarthostPassword() default "";

    @AttributeDefinition(name = "Outbound TLS",
            description = "opportunistic: STARTTLS when offered, certificates not checked (as mail servers do). "
                    + "required: STARTTLS must succeed with a certificate valid for the host name, else the message waits. none.",
            options = {@Option(label = "opportunistic", value = "opportunistic"), @Option(label = "required", value = "required"),
                    @Option(label = "none", value = "none")})
    String outboundTls() default "opportunistic";

    @AttributeDefinition(name = "Trusted certificates", required = false,
            description = "A PEM file of CA certificates trusted for outbound TLS, besides the JDK's.")
    String trustedCertificates() default "";

    @AttributeDefinition(name = "DNS resolver", required = false,
            description = "host[:port] of the DNS server asked for MX and address records. Empty: the system's resolvers.")
    String dnsResolver() default "";

    @AttributeDefinition(name = "MX port", min = "1", max = "65535", description = "Port of the MX hosts.")
    int mxPort() default 25;

    @AttributeDefinition(name = "Retry intervals",
            description = "Seconds to wait before each further attempt; the last one repeats until the maximum queue time.")
    int[] retryIntervals() default {300, 600, 1200, 2400, 3600, 7200, 14400, 28800};

    @AttributeDefinition(name = "Maximum queue time", min = "1",
            description = "Hours a message may wait for delivery; then its recipients fail and the sender gets a bounce.")
    int maxQueueTime() default 120;

    @AttributeDefinition(name = "Delay notice", min = "0",
            description = "Seconds a message may wait for a recipient before a sender that asked for it (NOTIFY=DELAY) "
                    + "gets a 'delayed' report, once per message (14400: four hours). 0: never.")
    int delayNotice() default 14400;

    @AttributeDefinition(name = "Outbound connections", min = "1",
            description = "Simultaneous deliveries in all: the number of delivery workers of this instance.")
    int maxOutboundConnections() default 20;

    @AttributeDefinition(name = "Connections per destination", min = "1",
            description = "Simultaneous connections to one destination domain.")
    int maxConnectionsPerDestination() default 10;

    @AttributeDefinition(name = "Connection idle time", min = "0",
            description = "Seconds a connection to another server is kept open after a message, for the next message to "
                    + "that server; 0 closes it after each message.")
    int connectionIdleTime() default 2;

    @AttributeDefinition(name = "Timeout", min = "1", description = "Seconds to wait for another server's connection or reply.")
    int timeout() default 60;
}
