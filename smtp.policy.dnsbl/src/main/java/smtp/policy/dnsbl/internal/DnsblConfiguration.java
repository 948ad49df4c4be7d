package smtp.policy.dnsbl.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = Dnsbl.PID,
        name = "SMTP policy: DNS block lists",
        description = "Looks up the client's address at connect, its HELO name at HELO and the sender's domain at MAIL "
                + "in the zones configured as smtp.policy.dnsbl.zone, adds up the weights of the zones that list them "
                + "(allow lists subtract theirs) and refuses the session once the sum reaches the threshold.")
@interface DnsblConfiguration {

    @AttributeDefinition(name = "Name servers", required = false,
            description = "Resolvers to ask, as address or address:port (for example 127.0.0.1:53). Empty: the "
                    + "system's (/etc/resolv.conf). Use a resolver of your own: public resolvers are refused by most "
                    + "block lists.")
    String[] nameservers() default {};

    @AttributeDefinition(name = "Timeout", min = "100",
            description = "Milliseconds a lookup may take; a lookup that fails or times out counts as not listed.")
    int timeout() default 3000;

    @AttributeDefinition(name = "Threshold", description = "The sum of weights at which a session is refused.")
    int threshold() default 1;

    @AttributeDefinition(name = "Action", description = "reject: 554 5.7.1 (at connect the greeting, then 503 to "
            + "every command until QUIT). defer: 451 4.7.1 (at connect 421).",
            options = {@Option(label = "reject", value = "reject"), @Option(label = "defer", value = "defer")})
    String action() default "reject";

    @AttributeDefinition(name = "Ranking", description = "Policy plugins are asked highest ranking first.")
    int service_ranking() default 100;

    @AttributeDefinition(name = "Usage", required = false,
            description = "internal or external: look up clients on bindings of that usage only. Empty: on both.")
    String[] smtp_policy_usage() default {"external"};

    @AttributeDefinition(name = "Bindings", required = false,
            description = "Names of the bindings the lists apply on. Empty: every binding (of the usage above).")
    String[] smtp_policy_bindings() default {};

    @AttributeDefinition(name = "Time limit", description = "Milliseconds the session waits for all lookups of a stage.")
    long smtp_policy_timeout() default 5000;
}
