package smtp.senderauth.internal;

import java.net.InetAddress;
import java.util.List;

/** The DNS lookups sender authentication needs. An empty answer is a name or type that does not exist. */
interface Dns {

    /** A lookup that failed for now: a timeout, SERVFAIL, a refusal. */
    final class TemporaryFailure extends Exception {
        private static final long serialVersionUID = 1L;

        TemporaryFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** @return the TXT records, each one's strings joined */
    List<String> txt(String name) throws TemporaryFailure;

    /** @return the A records (IPv4) or AAAA records (IPv6) */
    List<InetAddress> addresses(String name, boolean ipv6) throws TemporaryFailure;

    /** @return the MX hosts, by preference */
    List<String> mx(String name) throws TemporaryFailure;

    /** @return the PTR names of the address */
    List<String> ptr(InetAddress address) throws TemporaryFailure;
}
