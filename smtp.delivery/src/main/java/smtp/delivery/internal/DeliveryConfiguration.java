package smtp.delivery.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = DeliveryService.PID,
        name = "SMTP Delivery service",
        description = "Durable spool and local Maildir delivery for every message the suite accepts.")
@interface DeliveryConfiguration {

    @AttributeDefinition(name = "Spool directory",
            description = "Where accepted messages are kept until delivered. Relative paths resolve against the working directory.")
    String spoolDirectory() default "data/spool";

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

    @AttributeDefinition(name = "Host name",
            description = "Name written into Maildir file names; empty means this machine's name.")
    String hostName() default "";
}
