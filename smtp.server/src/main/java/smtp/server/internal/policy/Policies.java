package smtp.server.internal.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.osgi.framework.Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.session.Usage;
import smtp.server.spi.Policy;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;

/**
 * The policy plugins present, with their properties, in the order they are
 * asked (service ranking, highest first). Read on every stage of every
 * session, changed rarely: the readers take a snapshot without locking.
 */
public final class Policies {

    private static final Logger LOG = LoggerFactory.getLogger(Policies.class);
    static final long DEFAULT_TIMEOUT = 5000;

    /**
     * One plugin and how it is asked.
     *
     * @param order among plugins of equal ranking, ascending: 0 for policy plugins, a scanner's own order
     * @param source the service the plugin was made from: the plugin itself, or a scanner
     */
    public record Entry(PolicyPlugin plugin, String name, int ranking, int order, long serviceId,
            Set<PolicyStage> stages, long timeoutMillis, String onFailure, Set<String> bindings, Set<Usage> usages,
            Object source) {

        /** @return this entry as the plugin made of a scanner, which reports its own verdicts */
        Entry asScanner(int scannerOrder, Object scanner) {
            return new Entry(plugin, name, ranking, scannerOrder, serviceId, stages, timeoutMillis, onFailure, bindings,
                    usages, scanner);
        }

        /** @return whether the entry is a scanner's, whose verdicts are reported as scan results */
        public boolean scanner() {
            return source != plugin;
        }

        /** @return whether the plugin is asked at that stage of a session on that binding */
        boolean asked(PolicyStage stage, String binding, Usage usage) {
            return stages.contains(stage) && (bindings.isEmpty() || bindings.contains(binding))
                    && (usages.isEmpty() || usages.contains(usage));
        }
    }

    private volatile List<Entry> entries = List.of();

    public void add(PolicyPlugin plugin, Map<String, Object> properties) {
        add(entry(plugin, properties));
    }

    /** Adds a plugin made of another service (a scanner); {@link #remove} takes that service. */
    public synchronized void add(Entry entry) {
        List<Entry> changed = new ArrayList<>(entries);
        changed.add(entry);
        changed.sort(Comparator.comparingInt(Entry::ranking).reversed().thenComparingInt(Entry::order)
                .thenComparingLong(Entry::serviceId));
        entries = List.copyOf(changed);
    }

    /** @param service a plugin, or the service a plugin was made from */
    public synchronized void remove(Object service) {
        List<Entry> changed = new ArrayList<>(entries);
        changed.removeIf(entry -> entry.source == service);
        entries = List.copyOf(changed);
    }

    /** A plugin's properties changed (its configuration): it takes its place by its new ranking. */
    public synchronized void modified(PolicyPlugin plugin, Map<String, Object> properties) {
        remove(plugin);
        add(plugin, properties);
    }

    /** @return the plugins asked at that stage of a session on that binding, in order; empty when none */
    public List<Entry> at(PolicyStage stage, String binding, Usage usage) {
        List<Entry> all = entries;
        if (all.isEmpty()) {
            return List.of();
        }
        List<Entry> asked = new ArrayList<>(all.size());
        for (Entry entry : all) {
            if (entry.asked(stage, binding, usage)) {
                asked.add(entry);
            }
        }
        return asked;
    }

    /** @return every plugin present, in order */
    public List<Entry> all() {
        return entries;
    }

    static Entry entry(PolicyPlugin plugin, Map<String, Object> properties) {
        String name = String.valueOf(properties.getOrDefault(Policy.PREFIX_ + "name", plugin.getClass().getName()));
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object id = properties.get(Constants.SERVICE_ID);
        Set<PolicyStage> stages = EnumSet.noneOf(PolicyStage.class);
        Collection<String> stageNames = strings(properties.get(Policy.PREFIX_ + "stages"));
        for (String stage : stageNames) {
            try {
                stages.add(PolicyStage.valueOf(stage.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                LOG.warn("Policy plugin {}: stage '{}' is none of {}; ignored", name, stage, List.of(PolicyStage.values()));
            }
        }
        if (stageNames.isEmpty()) {
            stages = EnumSet.allOf(PolicyStage.class);
        }
        long timeout = DEFAULT_TIMEOUT;
        Object configured = properties.get(Policy.PREFIX_ + "timeout");
        if (configured != null) {
            try {
                timeout = Long.parseLong(configured.toString().trim());
            } catch (NumberFormatException e) {
                LOG.warn("Policy plugin {}: timeout '{}' is not a number of milliseconds; {} ms taken", name, configured,
                        DEFAULT_TIMEOUT);
            }
        }
        Set<Usage> usages = EnumSet.noneOf(Usage.class);
        for (String usage : strings(properties.get(Policy.PREFIX_ + "usage"))) {
            try {
                usages.add(Usage.parse(usage));
            } catch (IllegalArgumentException e) {
                LOG.warn("Policy plugin {}: {}; the plugin is asked on no binding until it is fixed", name, e.getMessage());
                stages.clear();
            }
        }
        return new Entry(plugin, name, ranking instanceof Integer r ? r : 0, 0, id instanceof Long l ? l : Long.MAX_VALUE,
                stages, Math.max(1, timeout), onFailure(name, properties.get(Policy.PREFIX_ + "onFailure")),
                new TreeSet<>(strings(properties.get(Policy.PREFIX_ + "bindings"))), usages, plugin);
    }

    private static String onFailure(String name, Object value) {
        if (value == null) {
            return Policy.TEMPFAIL;
        }
        String policy = value.toString().trim().toLowerCase(Locale.ROOT);
        if (policy.equals(Policy.TEMPFAIL) || policy.equals(Policy.CONTINUE) || policy.equals(Policy.REJECT)) {
            return policy;
        }
        LOG.warn("Policy plugin {}: onFailure '{}' is none of tempfail, continue, reject; tempfail taken", name, value);
        return Policy.TEMPFAIL;
    }

    /** @return the values of a property given as a string, an array or a collection, blank ones left out */
    static List<String> strings(Object value) {
        List<String> strings = new ArrayList<>();
        if (value instanceof Object[] array) {
            for (Object item : array) {
                strings.add(String.valueOf(item));
            }
        } else if (value instanceof Collection<?> collection) {
            collection.forEach(item -> strings.add(String.valueOf(item)));
        } else if (value != null) {
            strings.add(value.toString());
        }
        strings.removeIf(String::isBlank);
        strings.replaceAll(String::trim);
        return strings;
    }
}
