package smtp.policy.dnsbl.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = Zone.FACTORY_PID,
        name = "SMTP policy: DNS list zone",
        description = "One DNS block list (DNSBL, RHSBL) or allow list (DNSWL) zone, for client addresses, HELO names or "
                + "sender domains.")
@interface ZoneConfiguration {

    @AttributeDefinition(name = "Zone", description = "The list's zone, for example zen.spamhaus.org.")
    String zone();

    @AttributeDefinition(name = "Looks up", description = "What the zone lists.",
            options = {@Option(label = "client address", value = "client"), @Option(label = "HELO name", value = "heloName"),
                    @Option(label = "sender domain", value = "senderDomain")})
    String target() default "client";

    @AttributeDefinition(name = "Kind", description = "block: a listing adds the weight. allow: a listing subtracts it.",
            options = {@Option(label = "block list", value = "block"), @Option(label = "allow list", value = "allow")})
    String kind() default "block";

    @AttributeDefinition(name = "Weight", description = "What a listing counts, unless a return code gives its own.")
    int weight() default 1;

    @AttributeDefinition(name = "Return codes", required = false,
            description = "The answers that count, each an address or a range, with its own weight after '=': 127.0.0.2, "
                    + "127.0.0.4-127.0.0.7=2. Empty: any answer in 127.0.0.0/8. Answers outside 127.0.0.0/8 and "
                    + "127.255.255.x (the list refusing the query) never count, and are logged.")
    String[] codes() default {};

    String webconsole_configurationFactory_nameHint() default "{kind} {zone} ({target})";
}
