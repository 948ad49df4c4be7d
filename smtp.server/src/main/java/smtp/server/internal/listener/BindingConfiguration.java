package smtp.server.internal.listener;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = Binding.FACTORY_PID,
        name = "SMTP server binding",
        description = "Where the SMTP server listens. Give one of address, interface name or usage; with none, "
                + "the binding covers every Internal interface.")
@interface BindingConfiguration {

    @AttributeDefinition(name = "Name", required = false,
            description = "The binding's name, as policy plugins (smtp.policy.bindings), the log and the console know it. "
                    + "Empty: the address, interface or usage and the port, for example '127.0.0.1:25'.")
    String name() default "";

    @AttributeDefinition(name = "Enabled",
            description = "Whether this binding listens. Disabling it closes its port and lets its sessions finish "
                    + "(smtp.server drainGracePeriod); the other bindings and delivery go on.")
    boolean enabled() default true;

    @AttributeDefinition(name = "Address", required = false,
            description = "An IP address to listen on, for example 127.0.0.1 or ::1.")
    String address() default "";

    @AttributeDefinition(name = "Interface name", required = false,
            description = "A network interface (for example eth0): every address it has.")
    String interfaceName() default "";

    @AttributeDefinition(name = "Usage", required = false,
            description = "Every address of every interface of this usage. External means Internet-facing: "
                    + "binding it lets remote clients on the Internet send mail to this server.",
            options = {@Option(label = "(not used)", value = ""), @Option(label = "Internal", value = "internal"),
                    @Option(label = "External", value = "external")})
    String usage() default "";

    @AttributeDefinition(name = "Port", min = "1", max = "65535", description = "TCP port.")
    int port() default 25;

    @AttributeDefinition(name = "TLS mode",
            description = "none: plain SMTP. starttls: offers STARTTLS (ports 25, 587). implicit: TLS from the first byte (port 465).",
            options = {@Option(label = "none", value = "none"), @Option(label = "STARTTLS", value = "starttls"),
                    @Option(label = "implicit TLS", value = "implicit")})
    String tlsMode() default "none";

    @AttributeDefinition(name = "TLS profile",
            description = "Name of the TLS profile (smtp.tls.profile) whose certificate the binding presents.")
    String tlsProfile() default "default";

    @AttributeDefinition(name = "Require TLS",
            description = "With STARTTLS: refuse MAIL (530) until the client has started TLS.")
    boolean requireTls() default false;

    @AttributeDefinition(name = "Bare line endings",
            description = "Messages with a bare CR or LF (not CRLF): reject them (550, nothing stored), or normalise "
                    + "them to CRLF for legacy internal clients. The end of the message must be CRLF.CRLF either way.",
            options = {@Option(label = "reject", value = "reject"), @Option(label = "normalise", value = "normalise")})
    String bareLineEndings() default "reject";

    @AttributeDefinition(name = "Require AUTH",
            description = "Refuse MAIL (530) until the client has authenticated (submission ports).")
    boolean requireAuth() default false;

    @AttributeDefinition(name = "AUTH without TLS",
            description = "Offer AUTH on plain connections. Allowed only for a loopback address (testing); "
                    + "everywhere else AUTH needs TLS, so that passwords never cross a network in plaintext.")
    boolean authWithoutTls() default false;

    @AttributeDefinition(name = "PROXY protocol",
            description = "Connections come through a proxy (HAProxy, a load balancer) that sends the PROXY protocol "
                    + "header, version 1 or 2, with the client's address. Only peers in the proxy networks may connect; a "
                    + "missing or malformed header closes the connection.")
    boolean proxyProtocol() default false;

    @AttributeDefinition(name = "Proxy networks", required = false,
            description = "Networks (CIDR) of the proxies allowed to connect when the PROXY protocol is on, for example "
                    + "127.0.0.1/32 or 10.0.0.0/8. Required then.")
    String[] proxyNetworks() default {};

    @AttributeDefinition(name = "Intercept", options = {
        @Option(value = "none", label = "none: clients connect to this server"),
        @Option(value = "redirect", label = "redirect: a firewall's REDIRECT or DNAT sends other servers' port-25 "
                + "connections here"),
        @Option(value = "tproxy", label = "tproxy: a firewall's TPROXY rule hands other servers' connections to this "
                + "transparent socket")},
            description = "An intercepting binding takes connections a firewall caught on their way to other servers "
                    + "and learns where each client meant to go (its original destination, in the Received header, "
                    + "the events, the console and the policy facts). It offers no AUTH, and relays every recipient. "
                    + "Needs Linux, the JNA bundle and the JVM option --add-exports=java.base/sun.nio.ch=ALL-UNNAMED; "
                    + "tproxy needs CAP_NET_ADMIN too. See docs/intercepting.md.")
    String intercept() default "none";

    @AttributeDefinition(name = "Intercepted mail goes to", options = {
        @Option(value = "original", label = "original: the server the client meant to reach"),
        @Option(value = "route", label = "route: by the delivery service's own route (MX, or its smarthost)")},
            description = "Where mail accepted on an intercepting binding goes after the scanners and policy plugins, "
                    + "with the delivery service's retries and bounces.")
    String interceptedMailTo() default "original";

    String webconsole_configurationFactory_nameHint() default "{name} {address}{interfaceName}{usage} port {port} {tlsMode}";
}
