package smtp.server.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private final String address;
    private final String interfaceName;
    private final Usage usage;
    private final int port;
    private final TlsMode tlsMode;
    private final String tlsProfile;
    private final boolean requireTls;
    private final DataReader.LineEndings lineEndings;
    private final boolean requireAuth;
    private final boolean authWithoutTls;
    private final boolean enabled;
    private final String pid;

    @Activate
    public Binding(BindingConfiguration config, Map<String, Object> properties) {
        this.enabled = config.enabled();
        this.pid = (String) properties.get(Constants.SERVICE_PID);
        try {
            this.port = checkPort(config.port(), FACTORY_PID);
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
            this.address = address.isEmpty() ? null : address;
            this.interfaceName = interfaceName.isEmpty() ? null : interfaceName;
            this.usage = address.isEmpty() && interfaceName.isEmpty() ? Usage.parse(usage.isEmpty() ? "internal" : usage) : null;
            this.tlsMode = TlsMode.parse(config.tlsMode());
            this.tlsProfile = config.tlsProfile().trim();
            if (tlsMode != TlsMode.NONE && tlsProfile.isEmpty()) {
                throw new IllegalArgumentException("tlsMode " + tlsMode + " needs a tlsProfile");
            }
            this.requireTls = config.requireTls();
            if (requireTls && tlsMode != TlsMode.STARTTLS) {
                throw new IllegalArgumentException("requireTls applies to tlsMode starttls only");
            }
            this.lineEndings = switch (config.bareLineEndings().trim().toLowerCase(java.util.Locale.ROOT)) {
                case "reject" -> DataReader.LineEndings.REJECT;
                case "normalise", "normalize" -> DataReader.LineEndings.NORMALISE;
                default -> throw new IllegalArgumentException("bareLineEndings '" + config.bareLineEndings()
                        + "' is neither reject nor normalise");
            };
            this.requireAuth = config.requireAuth();
            this.authWithoutTls = config.authWithoutTls();
            if (authWithoutTls && (this.address == null || !java.net.InetAddress.getByName(this.address).isLoopbackAddress())) {
                throw new IllegalArgumentException("authWithoutTls is allowed only on a binding with a loopback address "
                        + "(127.0.0.1, ::1); elsewhere AUTH needs TLS");
            }
        } catch (IllegalArgumentException | IOException e) {
            LOG.error("SMTP binding not started: {}. Fix the {} configuration.", e.getMessage(), FACTORY_PID);
            throw new IllegalArgumentException("bad " + FACTORY_PID + " configuration: " + e.getMessage(), e);
        }
    }

    /** The implicit binding: every address of one usage on one port. */
    Binding(Usage usage, int port) {
        this.address = null;
        this.interfaceName = null;
        this.usage = usage;
        this.port = port;
        this.tlsMode = TlsMode.NONE;
        this.tlsProfile = null;
        this.requireTls = false;
        this.lineEndings = DataReader.LineEndings.REJECT;
        this.requireAuth = false;
        this.authWithoutTls = false;
        this.enabled = true;
        this.pid = null;
    }

    static int checkPort(int port, String pid) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; use 1 to 65535 in " + pid);
        }
        return port;
    }

    int port() {
        return port;
    }

    TlsMode tlsMode() {
        return tlsMode;
    }

    /** @return whether the binding's configuration has it listen */
    boolean enabled() {
        return enabled;
    }

    /** @return the PID of the binding's configuration, or null for the implicit binding */
    String pid() {
        return pid;
    }

    /** @return the settings of an endpoint of this binding on an address of the given usage */
    EndpointSettings settings(Usage addressUsage) {
        return new EndpointSettings(addressUsage, tlsMode, tlsMode == TlsMode.NONE ? null : tlsProfile, requireTls,
                lineEndings, requireAuth, authWithoutTls);
    }

    /** @return the local addresses this binding covers now */
    List<InetAddress> addresses(InterfaceUsage usages) throws SocketException, UnknownHostException {
        if (address != null) {
            return List.of(InetAddress.getByName(address));
        }
        if (interfaceName != null) {
            NetworkInterface nic = NetworkInterface.getByName(interfaceName);
            return nic == null ? List.of() : Collections.list(nic.getInetAddresses());
        }
        return usages.addressesOf(usage);
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
        String where = address != null ? address : interfaceName != null ? "interface " + interfaceName : usage + " interfaces";
        return where + " port " + port + (tlsMode == TlsMode.NONE ? "" : " (" + tlsMode + " TLS)");
    }
}
