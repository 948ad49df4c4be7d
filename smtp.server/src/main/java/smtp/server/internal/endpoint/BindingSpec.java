package smtp.server.internal.endpoint;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.List;

import smtp.server.internal.net.Network;
import smtp.server.internal.protocol.LineEndings;
import smtp.server.internal.protocol.EndpointSettings;
import smtp.server.internal.protocol.TlsMode;
import smtp.server.internal.session.Usage;

/**
 * Where one binding listens and how, checked already: one address, every
 * address of one interface, or every address of one usage, on one port.
 *
 * @param pid the PID of the binding's configuration, or null for the implicit binding
 * @param name the binding's name, as policy plugins know it
 * @param address an IP address, or null
 * @param interfaceName a network interface, or null
 * @param usage the usage whose addresses it covers, when neither address nor interface is given
 */
public record BindingSpec(String pid, String name, boolean enabled, String address, String interfaceName, Usage usage, int port,
        TlsMode tlsMode, String tlsProfile, boolean requireTls, LineEndings lineEndings, boolean requireAuth,
        boolean authWithoutTls, List<Network> proxyFrom, EndpointSettings.Intercept intercept, boolean toOriginal) {

    /** The implicit binding: every address of one usage on one port. */
    public static BindingSpec implicit(Usage usage, int port) {
        return new BindingSpec(null, usage.name().toLowerCase(java.util.Locale.ROOT) + ":" + port, true, null, null, usage, port, TlsMode.NONE, null, false,
                LineEndings.REJECT, false, false, List.of(), EndpointSettings.Intercept.NONE, true);
    }

    /** @return the settings of an endpoint of this binding on an address of the given usage */
    public EndpointSettings settings(Usage addressUsage) {
        return new EndpointSettings(name, addressUsage, tlsMode, tlsMode == TlsMode.NONE ? null : tlsProfile, requireTls,
                lineEndings, requireAuth, authWithoutTls, proxyFrom, intercept, toOriginal);
    }

    /** @return the local addresses this binding covers now */
    public List<InetAddress> addresses(InterfaceUsage usages) throws SocketException, UnknownHostException {
        if (address != null) {
            return List.of(InetAddress.getByName(address));
        }
        if (interfaceName != null) {
            NetworkInterface nic = NetworkInterface.getByName(interfaceName);
            return nic == null ? List.of() : Collections.list(nic.getInetAddresses());
        }
        return usages.addressesOf(usage);
    }

    @Override
    public String toString() {
        String where = address != null ? address : interfaceName != null ? "interface " + interfaceName : usage + " interfaces";
        return where + " port " + port + (tlsMode == TlsMode.NONE ? "" : " (" + tlsMode + " TLS)")
                + (proxyFrom.isEmpty() ? "" : " (PROXY protocol)")
                + (intercept == EndpointSettings.Intercept.NONE ? "" : " (intercepting, " + intercept + ")");
    }
}
