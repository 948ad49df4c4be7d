package smtp.policy.greylist.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = Greylist.PID,
        name = "SMTP policy: greylisting",
        description = "Defers the first attempt of each (client network, sender, recipient) at RCPT with 451 4.7.1; a "
                + "client that retries after the delay is let through, and its network passes from then on. Real mail "
                + "servers retry; most spam software does not.")
@interface GreylistConfiguration {

    @AttributeDefinition(name = "Delay", min = "0", description = "Seconds a new triplet waits before a retry passes.")
    int delay() default 300;

    @AttributeDefinition(name = "Retry window", min = "1",
            description = "Seconds a new triplet waits for its retry; after that it starts over.")
    int retryWindow() default 172800;

    @AttributeDefinition(name = "Passed lifetime", min = "1",
            description = "Days a triplet that passed (and a network that passes) is kept since it was last seen.")
    int passedLifetime() default 35;

    @AttributeDefinition(name = "Automatic pass after", min = "0",
            description = "Triplets of a client network that passed before its network passes without delay: the client "
                    + "has shown that it retries properly. 0: never.")
    int autoPassAfter() default 1;

    @AttributeDefinition(name = "IPv4 prefix length", min = "0", max = "32",
            description = "Clients in the same IPv4 network count as one (mail servers retry from a pool of addresses).")
    int prefixLength4() default 24;

    @AttributeDefinition(name = "IPv6 prefix length", min = "0", max = "128",
            description = "Clients in the same IPv6 network count as one.")
    int prefixLength6() default 64;

    @AttributeDefinition(name = "Pass networks", required = false,
            description = "Networks (CIDR) never greylisted, for example 192.0.2.0/24 or 2001:db8::/32.")
    String[] passNetworks() default {};

    @AttributeDefinition(name = "Pass authenticated", description = "Clients that authenticated are never greylisted.")
    boolean passAuthenticated() default true;

    @AttributeDefinition(name = "State file", required = false,
            description = "Where the triplets are kept across restarts. Empty: in the bundle's data area.")
    String stateFile() default "";

    @AttributeDefinition(name = "Ranking", description = "Policy plugins are asked highest ranking first.")
    int service_ranking() default -100;

    @AttributeDefinition(name = "Usage", required = false,
            description = "internal or external: greylist on bindings of that usage only. Empty: on both.")
    String[] smtp_policy_usage() default {"external"};

    @AttributeDefinition(name = "Bindings", required = false,
            description = "Names of the bindings greylisting applies on. Empty: every binding (of the usage above).")
    String[] smtp_policy_bindings() default {};
}
