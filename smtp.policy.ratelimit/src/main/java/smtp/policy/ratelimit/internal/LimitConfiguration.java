package smtp.policy.ratelimit.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = RateLimit.FACTORY_PID,
        name = "SMTP policy: rate limit",
        description = "One limit on what clients may do: a rate (so many connections, messages or recipients per period) "
                + "or a concurrency (so many sessions at once), for each value of a key (client address, network, "
                + "HELO name, sender, sender domain, authenticated user or recipient domain). Over the limit the client "
                + "is deferred (451 4.7.0, at connect 421) or refused. Counters are kept by the limit's name: they "
                + "survive a change of its configuration.")
@interface LimitConfiguration {

    @AttributeDefinition(name = "Name", description = "The limit's name, in replies, the log, events and the console.")
    String name();

    @AttributeDefinition(name = "Key", description = "What is counted separately.",
            options = {@Option(label = "client address", value = "client"),
                    @Option(label = "client network (prefix)", value = "clientNetwork"),
                    @Option(label = "HELO name", value = "helo"), @Option(label = "sender", value = "sender"),
                    @Option(label = "sender domain", value = "senderDomain"),
                    @Option(label = "authenticated user", value = "user"),
                    @Option(label = "recipient domain", value = "recipientDomain")})
    String key() default "client";

    @AttributeDefinition(name = "Kind", description = "rate: events per period. concurrency: sessions at once.",
            options = {@Option(label = "rate", value = "rate"), @Option(label = "concurrency", value = "concurrency")})
    String kind() default "rate";

    @AttributeDefinition(name = "Counts", description = "For a rate: what is counted. connections (keys client, "
            + "clientNetwork, helo, user), messages (MAIL; every key but recipientDomain) or recipients (RCPT).",
            options = {@Option(label = "connections", value = "connections"), @Option(label = "messages", value = "messages"),
                    @Option(label = "recipients", value = "recipients")})
    String counts() default "messages";

    @AttributeDefinition(name = "Maximum", min = "1", description = "Events per period, or sessions at once.")
    int max() default 100;

    @AttributeDefinition(name = "Period", min = "1", description = "Seconds, for a rate. The allowance refills "
            + "evenly over the period, so a client may burst up to the maximum and then goes at the maximum per period.")
    int period() default 60;

    @AttributeDefinition(name = "IPv4 prefix length", min = "0", max = "32",
            description = "For the key clientNetwork: the network of an IPv4 client.")
    int prefixLength4() default 24;

    @AttributeDefinition(name = "IPv6 prefix length", min = "0", max = "128",
            description = "For the key clientNetwork: the network of an IPv6 client.")
    int prefixLength6() default 64;

    @AttributeDefinition(name = "Action", description = "defer: 451 4.7.0 (at connect 421 4.7.0), the client tries "
            + "again later. reject: 550 5.7.1 (at connect 554).",
            options = {@Option(label = "defer", value = "defer"), @Option(label = "reject", value = "reject")})
    String action() default "defer";

    @AttributeDefinition(name = "Ranking", description = "Policy plugins are asked highest ranking first.")
    int service_ranking() default 0;

    @AttributeDefinition(name = "Usage", required = false,
            description = "internal or external: apply the limit on bindings of that usage only. Empty: on both.")
    String[] smtp_policy_usage() default {};

    @AttributeDefinition(name = "Bindings", required = false,
            description = "Names of the bindings the limit applies on. Empty: every binding.")
    String[] smtp_policy_bindings() default {};

    String webconsole_configurationFactory_nameHint() default "{name}: {max} {counts} per {period} s by {key} ({kind})";
}
