package smtp.server.internal.protocol;

import java.util.List;

import smtp.server.internal.net.Network;
import smtp.server.internal.session.Usage;

/**
 * What one listening endpoint does, beyond its address and port.
 *
 * @param bindingName the name of the binding the endpoint belongs to
 * @param usage whether the address is Internal or External (decides relaying)
 * @param tlsMode how the endpoint uses TLS
 * @param tlsProfile the name of the TLS profile it uses (for STARTTLS and implicit TLS)
 * @param requireTls whether MAIL is refused before STARTTLS (STARTTLS mode)
 * @param lineEndings what happens to messages with bare CR or LF
 * @param requireAuth whether MAIL is refused before AUTH
 * @param authWithoutTls whether AUTH is offered without TLS (loopback addresses only)
 * @param proxyFrom the networks of the proxies whose PROXY protocol header gives the client's address; empty
 *        when the endpoint takes direct connections
 * @param intercept how connections come to the endpoint when a firewall intercepts them on their way to other
 *        servers; {@link Intercept#NONE} for connections made to it
 * @param toOriginal whether intercepted mail goes on to the server the client meant to reach (else by delivery's
 *        own route)
 */
public record EndpointSettings(String bindingName, Usage usage, TlsMode tlsMode, String tlsProfile, boolean requireTls,
        LineEndings lineEndings, boolean requireAuth, boolean authWithoutTls, List<Network> proxyFrom, Intercept intercept,
        boolean toOriginal) {

    /** How an intercepting endpoint learns where its clients meant to connect. */
    public enum Intercept {
        /** Not intercepting. */
        NONE,
        /** nftables or iptables REDIRECT or DNAT: connection tracking's original destination (SO_ORIGINAL_DST). */
        REDIRECT,
        /** TPROXY: the connection keeps its destination, which is the socket's local address. */
        TPROXY;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean intercepting() {
        return intercept != Intercept.NONE;
    }

    public boolean proxied() {
        return !proxyFrom.isEmpty();
    }

    @Override
    public String toString() {
        return usage + " interface" + (tlsMode == TlsMode.NONE ? "" : ", " + tlsMode + " TLS with profile '" + tlsProfile + "'"
                + (requireTls ? ", TLS required" : ""))
                + (lineEndings == LineEndings.NORMALISE ? ", bare line endings normalised" : "")
                + (requireAuth ? ", AUTH required" : "") + (authWithoutTls ? ", AUTH without TLS" : "")
                + (proxied() ? ", PROXY protocol from " + proxyFrom.size() + " network(s)" : "")
                + (intercepting() ? ", intercepting (" + intercept + "), mail on to " + (toOriginal ? "the original "
                        + "destination" : "delivery's route") : "");
    }
}
