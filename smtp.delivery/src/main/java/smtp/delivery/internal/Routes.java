package smtp.delivery.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * Where mail for a domain goes (RFC 5321 section 5): the smarthost when one is
 * configured, else the domain's MX hosts by preference (equal ones in random
 * order), else the domain's own addresses. A null MX ({@code 0 .}) or a domain
 * that does not exist fails for good; a DNS server that does not answer
 * defers. DNS is asked through the JDK's DNS provider, at the configured
 * resolver or the system's.
 */
final class Routes {

    /**
     * One server to try: its name (for TLS) and address.
     *
     * @param smarthost whether it is the smarthost (the only server the smarthost's credentials are sent to)
     */
    record Hop(String host, InetSocketAddress address, boolean smarthost) {}

    /** The domain cannot be routed now ({@code permanent}: never). */
    static final class RouteException extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean permanent;

        RouteException(String message, boolean permanent) {
            super(message);
            this.permanent = permanent;
        }
    }

    private final String smarthost;
    private final int smarthostPort;
    private final int mxPort;
    private final String resolverUrl;

    /**
     * @param smarthost {@code host} or {@code host:port} ({@code [v6]:port}), or empty for MX routing
     * @param resolver {@code host[:port]} of the DNS server to ask, or empty for the system's
     * @param mxPort the port of MX hosts (25, except in tests)
     */
    Routes(String smarthost, String resolver, int mxPort) {
        String host = smarthost.trim();
        int port = 25;
        if (host.startsWith("[")) { // [IPv6 address] or [IPv6 address]:port
            int close = host.indexOf(']');
            if (close + 1 < host.length() && host.charAt(close + 1) == ':') {
                port = Integer.parseInt(host.substring(close + 2));
            }
            host = host.substring(1, close);
        } else if (host.indexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':')) { // host:port
            port = Integer.parseInt(host.substring(host.indexOf(':') + 1));
            host = host.substring(0, host.indexOf(':'));
        }
        this.smarthost = host;
        this.smarthostPort = port;
        this.mxPort = mxPort;
        this.resolverUrl = resolver.isBlank() ? "dns:" : "dns://" + resolver.trim();
    }

    /**
     * @param nextHop {@code address:port} or {@code [IPv6 address]:port}: the server an intercepted client meant to
     *        reach ({@code Envelope.nextHop})
     * @return that server, the only one to try
     */
    static Hop nextHop(String nextHop) throws RouteException {
        int colon = nextHop.lastIndexOf(':');
        try {
            String host = nextHop.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            // an IP literal: no lookup
            InetAddress address = InetAddress.getByName(host);
            return new Hop(host, new InetSocketAddress(address, Integer.parseInt(nextHop.substring(colon + 1))), false);
        } catch (RuntimeException | UnknownHostException e) {
            throw new RouteException("5.4.4 the next hop '" + nextHop + "' is not an address and port", true);
        }
    }

    boolean viaSmarthost() {
        return !smarthost.isEmpty();
    }

    List<Hop> hops(String domain) throws RouteException {
        if (viaSmarthost()) {
            try {
                List<Hop> hops = new ArrayList<>();
                for (InetAddress address : InetAddress.getAllByName(smarthost)) {
                    hops.add(new Hop(smarthost, new InetSocketAddress(address, smarthostPort), true));
                }
                return hops;
            } catch (UnknownHostException e) {
                throw new RouteException("smarthost " + smarthost + " not found", false);
            }
        }
        TreeMap<Integer, List<String>> byPreference = new TreeMap<>();
        for (String mx : lookup(domain, "MX")) {
            String[] parts = mx.trim().split("\\s+");
            if (parts.length != 2) {
                continue;
            }
            String host = parts[1].endsWith(".") ? parts[1].substring(0, parts[1].length() - 1) : parts[1];
            if (host.isEmpty()) {
                throw new RouteException("5.1.10 " + domain + " does not accept mail (null MX)", true);
            }
            byPreference.computeIfAbsent(Integer.parseInt(parts[0]), key -> new ArrayList<>()).add(host);
        }
        List<String> hosts = new ArrayList<>();
        if (byPreference.isEmpty()) {
            hosts.add(domain); // no MX: the domain itself (implicit MX)
        }
        for (List<String> same : byPreference.values()) {
            Collections.shuffle(same);
            hosts.addAll(same);
        }
        List<Hop> hops = new ArrayList<>();
        for (String host : hosts) {
            for (String type : new String[] {"A", "AAAA"}) {
                List<String> addresses;
                try {
                    addresses = lookup(host, type);
                } catch (RouteException e) {
                    if (hosts.size() == 1 && byPreference.isEmpty() && e.permanent) {
                        throw e;
                    }
                    continue;
                }
                for (String address : addresses) {
                    try {
                        hops.add(new Hop(host, new InetSocketAddress(InetAddress.getByName(address.trim()), mxPort), false));
                    } catch (UnknownHostException e) {
                        // not an address literal: skip it
                    }
                }
            }
        }
        if (hops.isEmpty()) {
            throw new RouteException("no address for the mail servers of " + domain + " " + hosts, false);
        }
        return hops;
    }

    /** The values of one record type of a name; empty when there are none. */
    private List<String> lookup(String name, String type) throws RouteException {
        Hashtable<String, Object> environment = new Hashtable<>();
        environment.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        environment.put(Context.PROVIDER_URL, resolverUrl);
        environment.put("com.sun.jndi.dns.timeout.initial", "2000");
        environment.put("com.sun.jndi.dns.timeout.retries", "2");
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(null); // the JDK's DNS provider is found by the system class loader
        try {
            DirContext context = new InitialDirContext(environment);
            try {
                Attributes attributes = context.getAttributes(name, new String[] {type});
                Attribute attribute = attributes.get(type);
                List<String> values = new ArrayList<>();
                if (attribute != null) {
                    NamingEnumeration<?> all = attribute.getAll();
                    while (all.hasMore()) {
                        values.add(String.valueOf(all.next()).toLowerCase(Locale.ROOT));
                    }
                }
                return values;
            } finally {
                context.close();
            }
        } catch (NameNotFoundException e) {
            throw new RouteException("5.1.2 domain " + name + " not found", true);
        } catch (NamingException e) {
            throw new RouteException("DNS lookup of " + type + " " + name + " failed: " + e.getMessage(), false);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
