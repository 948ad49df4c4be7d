package smtp.policy.helo.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = HeloCheck.PID,
        name = "SMTP policy: HELO checks",
        description = "Refuses HELO and EHLO names that cannot be true. The client may say HELO again with a better name.")
@interface HeloConfiguration {

    @AttributeDefinition(name = "Own names", required = false,
            description = "This server's names: a client that gives one of them pretends to be this server.")
    String[] ownNames() default {};

    @AttributeDefinition(name = "Refuse bare addresses",
            description = "Refuse an IP address given without brackets (RFC 5321 wants [192.0.2.1]).")
    boolean refuseBareAddress() default true;

    @AttributeDefinition(name = "Literal must match",
            description = "Refuse an address literal that is not the client's address.")
    boolean literalMustMatch() default true;

    @AttributeDefinition(name = "Require a dot",
            description = "Refuse a name without a dot: a mail server on the Internet names itself fully.")
    boolean requireDot() default true;

    @AttributeDefinition(name = "Usage", required = false,
            description = "internal or external: check on bindings of that usage only. Empty: on both.")
    String[] smtp_policy_usage() default {"external"};
}
