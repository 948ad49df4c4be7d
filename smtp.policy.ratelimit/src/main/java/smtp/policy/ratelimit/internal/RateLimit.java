package smtp.policy.ratelimit.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.Policy;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyVerdict;

/**
 * One rate or concurrency limit ({@value #FACTORY_PID} configuration): a
 * policy plugin asked at the one stage where what it counts happens. It
 * answers at once, from counters in memory.
 */
@Component(configurationPid = RateLimit.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = LimitConfiguration.class, factory = true)
public final class RateLimit implements PolicyPlugin {

    static final String FACTORY_PID = "smtp.policy.ratelimit";
    private static final Logger LOG = LoggerFactory.getLogger(RateLimit.class);

    private final Counters counters;
    private volatile Limit limit;
    private volatile LimitState state;
    private final ServiceRegistration<PolicyPlugin> registration;

    @Activate
    public RateLimit(LimitConfiguration config, BundleContext context, @Reference Counters counters) {
        this.counters = counters;
        apply(config);
        this.registration = context.registerService(PolicyPlugin.class, this, properties(config, limit));
        LOG.info("Rate limit {}: {}", limit.name(), describe(limit));
    }

    @Modified
    void modified(LimitConfiguration config) {
        apply(config);
        registration.setProperties(properties(config, limit));
        LOG.info("Rate limit {} changed: {}", limit.name(), describe(limit));
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    private void apply(LimitConfiguration config) {
        try {
            Limit checked = Limit.of(config);
            state = counters.of(checked.name());
            limit = checked;
        } catch (IllegalArgumentException e) {
            LOG.error("Rate limit not applied: {}. Fix the {} configuration.", e.getMessage(), FACTORY_PID);
            throw e;
        }
    }

    private static Dictionary<String, Object> properties(LimitConfiguration config, Limit limit) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Policy.PREFIX_ + "name", "ratelimit:" + limit.name());
        properties.put(Policy.PREFIX_ + "stages", limit.stage().name());
        properties.put(Policy.PREFIX_ + "onFailure", Policy.CONTINUE);
        properties.put(Policy.PREFIX_ + "usage", config.smtp_policy_usage());
        properties.put(Policy.PREFIX_ + "bindings", config.smtp_policy_bindings());
        properties.put(Constants.SERVICE_RANKING, config.service_ranking());
        return properties;
    }

    private static String describe(Limit limit) {
        return (limit.concurrency() ? limit.max() + " sessions at once"
                : limit.max() + " " + limit.counted() + " per " + limit.periodMillis() / 1000 + " s")
                + " by " + limit.key().word + ", over it " + (limit.reject() ? "reject" : "defer");
    }

    @Override
    public CompletionStage<PolicyVerdict> check(PolicyFacts facts) {
        Limit limit = this.limit;
        String key = limit.keyOf(facts);
        if (key == null || facts.stage != limit.stage()) {
            return CompletableFuture.completedFuture(PolicyVerdict.proceed());
        }
        boolean within = limit.concurrency() ? state.enter(key, facts.sessionId, limit.max())
                : state.take(key, limit.max(), limit.periodMillis(), System.currentTimeMillis());
        if (within) {
            return CompletableFuture.completedFuture(PolicyVerdict.proceed());
        }
        String text = "Too many " + limit.counted() + " for " + limit.key().word + " " + key + " (limit " + limit.name()
                + ")";
        return CompletableFuture.completedFuture(limit.reject() ? PolicyVerdict.reject(550, "5.7.1", text)
                : PolicyVerdict.defer(451, "4.7.0", text + ", try again later"));
    }

    @Override
    public void sessionEnded(String sessionId) {
        state.leave(sessionId);
    }

    @Override
    public String toString() {
        return "rate limit " + limit.name();
    }
}
