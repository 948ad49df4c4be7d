package smtp.server.internal.listener;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.endpoint.BindingSpec;
import smtp.server.internal.net.Interception;
import smtp.server.internal.net.IpLiterals;
import smtp.server.internal.net.Network;
import smtp.server.internal.protocol.EndpointSettings;
import smtp.server.internal.protocol.LineEndings;
import smtp.server.internal.protocol.TlsMode;
import smtp.server.internal.session.Usage;

/**
 * One configured binding ({@value #FACTORY_PID} factory configuration): where
 * to listen. It is checked when it is configured, so that a bad one fails here,
 * with a log line that says what to fix, and never reaches the listener.
 */
@Component(configurationPid = Binding.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = Binding.class, immediate = true)
@Designate(ocd = BindingConfiguration.class, factory = true)
public final class Binding {

    static final String FACTORY_PID = "smtp.server.binding";
    private static final Logger LOG = LoggerFactory.getLogger(Binding.class);

    private final BindingSpec spec;

    @Activate
    public Binding(BindingConfiguration config, Map<String, Object> properties) {
        try {
            this.spec = check(config, (String) properties.get(Constants.SERVICE_PID));
        } catch (IllegalArgumentException | IOException e) {
            LOG.error("SMTP binding not started: {}. Fix the {} configuration.", e.getMessage(), FACTORY_PID);
            throw new IllegalArgumentException("bad " + FACTORY_PID + " configuration: " + e.getMessage(), e);
        }
    }

    BindingSpec spec() {
        return spec;
    }

    private static BindingSpec check(BindingConfiguration config, String pid) throws IOException {
        int port = checkPort(config.port(), FACTORY_PID);
        String address = config.address().trim();
        String interfaceName = config.interfaceName().trim();
        String usage = config.usage().trim();
        int given = (address.isEmpty() ? 0 : 1) + (interfaceName.isEmpty() ? 0 : 1) + (usage.isEmpty() ? 0 : 1);
        if (given > 1) {
            throw new IllegalArgumentException("give only one of address, interfaceName and usage");
        }
        if (!address.isEmpty() && !IpLiterals.isLiteral(address)) {
            throw new IllegalArgumentException("address '" + address + "' is not an IP address");
        }
        if (!interfaceName.isEmpty() && NetworkInterface.getByName(interfaceName) == null) {
            throw new IllegalArgumentException("there is no network interface named '" + interfaceName
                    + "'; the interfaces here are " + interfaceNames());
        }
        TlsMode tlsMode = TlsMode.parse(config.tlsMode());
        String tlsProfile = config.tlsProfile().trim();
        if (tlsMode != TlsMode.NONE && tlsProfile.isEmpty()) {
            throw new IllegalArgumentException("tlsMode " + tlsMode + " needs a tlsProfile");
        }
        if (config.requireTls() && tlsMode != TlsMode.STARTTLS) {
            throw new IllegalArgumentException("requireTls applies to tlsMode starttls only");
        }
        LineEndings lineEndings = switch (config.bareLineEndings().trim().toLowerCase(Locale.ROOT)) {
            case "reject" -> LineEndings.REJECT;
            case "normalise", "normalize" -> LineEndings.NORMALISE;
            default -> throw new IllegalArgumentException("bareLineEndings '" + config.bareLineEndings()
                    + "' is neither reject nor normalise");
        };
        if (config.authWithoutTls() && (address.isEmpty() || !InetAddress.getByName(address).isLoopbackAddress())) {
            throw new IllegalArgumentException("authWithoutTls is allowed only on a binding with a loopback address "
                    + "(127.0.0.1, ::1); elsewhere AUTH needs TLS");
        }
        List<Network> proxyFrom = Network.parseAll(config.proxyNetworks(), "proxy network");
        if (config.proxyProtocol() && proxyFrom.isEmpty()) {
            throw new IllegalArgumentException("proxyProtocol needs proxyNetworks: the networks of the proxies that may "
                    + "connect (for example 127.0.0.1/32)");
        }
        EndpointSettings.Intercept intercept = switch (config.intercept().strip().toLowerCase(Locale.ROOT)) {
            case "", "none" -> EndpointSettings.Intercept.NONE;
            case "redirect" -> EndpointSettings.Intercept.REDIRECT;
            case "tproxy" -> EndpointSettings.Intercept.TPROXY;
            default -> throw new IllegalArgumentException("intercept '" + config.intercept()
                    + "' is none of none, redirect, tproxy");
        };
        boolean toOriginal = switch (config.interceptedMailTo().strip().toLowerCase(Locale.ROOT)) {
            case "", "original" -> true;
            case "route" -> false;
            default -> throw new IllegalArgumentException("interceptedMailTo '" + config.interceptedMailTo()
                    + "' is neither original nor route");
        };
        if (intercept != EndpointSettings.Intercept.NONE) {
            if (config.proxyProtocol()) {
                throw new IllegalArgumentException("an intercepting binding takes connections from the firewall, not "
                        + "through a proxy: turn proxyProtocol off");
            }
            if (config.requireAuth() || config.authWithoutTls()) {
                throw new IllegalArgumentException("an intercepting binding takes no AUTH (the client's credentials "
                        + "are for the server it meant to reach): turn requireAuth and authWithoutTls off");
            }
            try {
                Interception.check();
            } catch (IllegalStateException | LinkageError e) {
                throw new IllegalArgumentException(e instanceof IllegalStateException ? e.getMessage()
                        : "intercepting needs JNA (the bundle com.sun.jna, net.java.dev.jna:jna): " + e);
            }
        }
        String where = !address.isEmpty() ? address : !interfaceName.isEmpty() ? interfaceName
                : usage.isEmpty() ? "internal" : usage.toLowerCase(Locale.ROOT);
        String name = config.name().isBlank() ? where + ":" + port : config.name().strip();
        return new BindingSpec(pid, name, config.enabled(), address.isEmpty() ? null : address,
                interfaceName.isEmpty() ? null : interfaceName,
                address.isEmpty() && interfaceName.isEmpty() ? Usage.parse(usage.isEmpty() ? "internal" : usage) : null,
                port, tlsMode, tlsProfile, config.requireTls(), lineEndings, config.requireAuth(), config.authWithoutTls(),
                config.proxyProtocol() ? proxyFrom : List.of(), intercept, toOriginal);
    }

    static int checkPort(int port, String pid) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; use 1 to 65535 in " + pid);
        }
        return port;
    }

    private static List<String> interfaceNames() throws SocketException {
        List<String> names = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            names.add(nic.getName());
        }
        return names;
    }

    @Override
    public String toString() {
        return spec.toString();
    }
}
