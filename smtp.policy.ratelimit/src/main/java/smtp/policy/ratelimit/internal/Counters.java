package smtp.policy.ratelimit.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;

/**
 * The counters of every limit, by the limit's name: a limit whose
 * configuration changes, or that is deleted and made again under the same
 * name, goes on from where it was. Immediate: it stays while no limit is
 * configured.
 */
@Component(service = Counters.class, immediate = true)
public final class Counters {

    private final Map<String, LimitState> states = new ConcurrentHashMap<>();

    LimitState of(String limit) {
        return states.computeIfAbsent(limit, name -> new LimitState());
    }
}
