package smtp.senderauth.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** DNS from a map, for the unit tests: records by name and type; names in {@link #failing} fail for now. */
final class MapDns implements Dns {

    final Map<String, List<String>> records = new HashMap<>();
    final Set<String> failing = new HashSet<>();
    int lookups;

    MapDns add(String type, String name, String... values) {
        records.computeIfAbsent(type + " " + name, k -> new ArrayList<>()).addAll(List.of(values));
        return this;
    }

    private List<String> get(String type, String name) throws TemporaryFailure {
        lookups++;
        String key = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (failing.contains(key)) {
            throw new TemporaryFailure(type + " " + key + ": SERVFAIL");
        }
        return records.getOrDefault(type + " " + key, List.of());
    }

    @Override
    public List<String> txt(String name) throws TemporaryFailure {
        return get("TXT", name);
    }

    @Override
    public List<InetAddress> addresses(String name, boolean ipv6) throws TemporaryFailure {
        List<InetAddress> addresses = new ArrayList<>();
        for (String value : get(ipv6 ? "AAAA" : "A", name)) {
            try {
                addresses.add(InetAddress.getByName(value));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(value, e);
            }
        }
        return addresses;
    }

    @Override
    public List<String> mx(String name) throws TemporaryFailure {
        return get("MX", name);
    }

    @Override
    public List<String> ptr(InetAddress address) throws TemporaryFailure {
        return get("PTR", address.getHostAddress());
    }
}
