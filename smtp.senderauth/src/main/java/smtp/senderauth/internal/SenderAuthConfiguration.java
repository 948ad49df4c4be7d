package smtp.senderauth.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = SenderAuth.PID,
        name = "SMTP policy: sender authentication",
        description = "Checks who sent a message: SPF (RFC 7208) for the MAIL FROM domain, DKIM signatures (RFC 6376, RSA "
                + "and Ed25519) and DMARC (RFC 7489) for the From domain; applies the DMARC policy as configured and adds "
                + "an Authentication-Results header (RFC 8601) naming this server.")
@interface SenderAuthConfiguration {

    @AttributeDefinition(name = "Name servers", required = false,
            description = "Resolvers to ask, as address or address:port. Empty: the system's.")
    String[] nameservers() default {};

    @AttributeDefinition(name = "DNS timeout", min = "100", description = "Milliseconds for one lookup.")
    int timeout() default 3000;

    @AttributeDefinition(name = "DMARC action", description = "What a DMARC failure does. apply: the domain's policy "
            + "(reject: 550 5.7.1, quarantine: the quarantine folder, none: delivered). quarantine: reject and quarantine "
            + "policies both quarantine. record: only the Authentication-Results header.",
            options = {@Option(label = "apply", value = "apply"), @Option(label = "quarantine", value = "quarantine"),
                    @Option(label = "record", value = "record")})
    String dmarcAction() default "apply";

    @AttributeDefinition(name = "SPF fail", description = "What an SPF fail (-all) does at MAIL, DMARC aside: record "
            + "(the header says so) or reject (550 5.7.23).",
            options = {@Option(label = "record", value = "record"), @Option(label = "reject", value = "reject")})
    String spfFail() default "record";

    @AttributeDefinition(name = "Authentication service id", required = false,
            description = "The name in the Authentication-Results header. Empty: the server's host name.")
    String authservId() default "";

    @AttributeDefinition(name = "Public suffix list", required = false,
            description = "The Public Suffix List file, for DMARC's organizational domains (Debian: the publicsuffix "
                    + "package). Without it, a domain's last two labels.")
    String publicSuffixList() default "/usr/share/publicsuffix/public_suffix_list.dat";

    @AttributeDefinition(name = "Skip authenticated",
            description = "Clients that authenticated are sending their own mail: not checked.")
    boolean skipAuthenticated() default true;

    @AttributeDefinition(name = "Ranking", description = "Policy plugins are asked highest ranking first.")
    int service_ranking() default -50;

    @AttributeDefinition(name = "Usage", required = false,
            description = "internal or external: check on bindings of that usage only. Empty: on both.")
    String[] smtp_policy_usage() default {"external"};

    @AttributeDefinition(name = "Bindings", required = false, description = "Names of the bindings checked. Empty: all.")
    String[] smtp_policy_bindings() default {};
}
