package smtp.server.internal.listener;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Constants;

import smtp.server.tls.TlsProfile;

/** The TLS profile services present, found by name: the highest service ranking wins, then the oldest service. */
final class TlsProfiles {

    private record Entry(TlsProfile profile, int ranking, long serviceId) {}

    private final List<Entry> entries = new ArrayList<>();

    synchronized void add(TlsProfile profile, Map<String, Object> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object id = properties.get(Constants.SERVICE_ID);
        entries.add(new Entry(profile, ranking instanceof Integer r ? r : 0, id instanceof Long l ? l : Long.MAX_VALUE));
    }

    synchronized void remove(TlsProfile profile) {
        entries.removeIf(entry -> entry.profile == profile);
    }

    /** @return the profile of that name, or null if there is none */
    synchronized TlsProfile get(String name) {
        Entry best = null;
        for (Entry entry : entries) {
            if (entry.profile.name().equals(name) && (best == null || entry.ranking > best.ranking
                    || entry.ranking == best.ranking && entry.serviceId < best.serviceId)) {
                best = entry;
            }
        }
        return best == null ? null : best.profile;
    }
}
