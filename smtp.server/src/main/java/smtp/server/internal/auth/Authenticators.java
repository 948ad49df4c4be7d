package smtp.server.internal.auth;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.Authenticator;

/** The Authenticator services present, asked in order of service ranking. */
public final class Authenticators {

    private static final Logger LOG = LoggerFactory.getLogger(Authenticators.class);

    private record Entry(Authenticator authenticator, int ranking, long serviceId) {}

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    public void add(Authenticator authenticator, Map<String, Object> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object id = properties.get(Constants.SERVICE_ID);
        entries.add(new Entry(authenticator, ranking instanceof Integer r ? r : 0, id instanceof Long l ? l : Long.MAX_VALUE));
        entries.sort(Comparator.comparingInt(Entry::ranking).reversed().thenComparingLong(Entry::serviceId));
    }

    public void remove(Authenticator authenticator) {
        entries.removeIf(entry -> entry.authenticator == authenticator);
    }

    public boolean present() {
        return !entries.isEmpty();
    }

    /** @return the name the user is known by, or null if no authenticator accepts the credentials */
    public String authenticate(String user, char[] password) {
        for (Entry entry : entries) {
            try {
                String name = entry.authenticator.authenticate(user, password);
                if (name != null) {
                    return name;
                }
            } catch (RuntimeException e) {
                LOG.warn("Authenticator {} failed; trying the next one", entry.authenticator, e);
            }
        }
        return null;
    }
}
