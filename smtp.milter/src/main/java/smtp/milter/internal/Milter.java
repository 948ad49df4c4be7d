package smtp.milter.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.Policy;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

/**
 * One milter ({@value #FACTORY_PID} configuration): a policy plugin that
 * speaks the milter protocol. Each SMTP session gets a connection of its own
 * (a slow milter slows only the sessions it is asked about); when the session
 * ends the connection is closed with QUIT, or, where the milter can be reused,
 * handed back with QUIT_NC to serve the next one.
 * The milter's I/O runs on the listener's plugin threads, within the
 * configured time limits.
 */
@Component(configurationPid = Milter.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = MilterConfiguration.class, factory = true)
public final class Milter implements PolicyPlugin {

    static final String FACTORY_PID = "smtp.milter";
    private static final Logger LOG = LoggerFactory.getLogger(Milter.class);

    /** The configuration, checked. */
    private record Settings(String name, MilterConnection.Address address, int connectTimeout, int maxIdle,
            MilterSession.Settings session) {}

    private final ScheduledExecutorService timer;
    private final Map<String, MilterSession> sessions = new ConcurrentHashMap<>();
    /** Sessions in which the milter failed, with why: it is not asked again in them. */
    private final Map<String, String> failed = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<MilterConnection> idle = new ConcurrentLinkedDeque<>();
    private final ServiceRegistration<PolicyPlugin> registration;
    private final Path workDirectory;
    private volatile Settings settings;

    @Activate
    public Milter(MilterConfiguration config, BundleContext context) {
        ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "smtp-milter-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        deadlines.setRemoveOnCancelPolicy(true);
        this.timer = deadlines;
        this.workDirectory = context.getDataFile("bodies").toPath();
        this.settings = settings(config, workDirectory);
        this.registration = context.registerService(PolicyPlugin.class, this, properties(config, settings));
        LOG.info("Milter {} at {}: failure policy {}", settings.name(), settings.address(), config.onFailure());
    }

    @Modified
    void modified(MilterConfiguration config) {
        Settings changed = settings(config, workDirectory);
        settings = changed;
        closeIdle(); // connections to the old address, or negotiated under the old settings
        registration.setProperties(properties(config, changed));
        LOG.info("Milter {} changed: {}", changed.name(), changed.address());
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
        sessions.values().forEach(session -> session.quit(false));
        sessions.clear();
        closeIdle();
        timer.shutdownNow();
    }

    private void closeIdle() {
        for (MilterConnection connection; (connection = idle.poll()) != null; ) {
            connection.close();
        }
    }

    @Override
    public CompletionStage<PolicyVerdict> check(PolicyFacts facts) {
        try {
            return CompletableFuture.completedFuture(stage(facts));
        } catch (IOException | RuntimeException e) {
            failed.put(facts.sessionId, e.toString());
            MilterSession session = sessions.remove(facts.sessionId);
            if (session != null) {
                session.quit(false);
            }
            return CompletableFuture.failedFuture(e instanceof IOException ? e
                    : new IOException("milter " + settings.name() + ": " + e, e));
        }
    }

    private PolicyVerdict stage(PolicyFacts facts) throws IOException {
        String failure = failed.get(facts.sessionId);
        if (failure != null) {
            throw new IOException("milter " + settings.name() + " failed earlier in this session: " + failure);
        }
        MilterSession session = sessions.get(facts.sessionId);
        if (facts.stage == PolicyStage.CONNECT || session == null) {
            session = open(facts);
            PolicyVerdict connected = session.connect(facts);
            if (facts.stage == PolicyStage.CONNECT) {
                return connected;
            }
            if (facts.heloName != null && facts.stage != PolicyStage.HELO) {
                session.helo(facts); // a session that began before the milter came: brought up to date
            }
        }
        if ((facts.stage == PolicyStage.RCPT || facts.stage == PolicyStage.END_OF_MESSAGE) && !session.inMessage()) {
            PolicyVerdict mail = session.mail(facts); // a milter not told about MAIL hears of it now: the protocol needs it
            if (mail.action() != PolicyVerdict.Action.CONTINUE) {
                return mail;
            }
        }
        if (facts.stage == PolicyStage.END_OF_MESSAGE && !session.recipientsSent()) {
            for (String recipient : facts.recipients) {
                PolicyFacts one = facts;
                one.recipient = recipient;
                PolicyVerdict rcpt = session.rcpt(one);
                if (rcpt.action() != PolicyVerdict.Action.CONTINUE) {
                    return rcpt; // the milter refuses a recipient of the message: the message
                }
            }
            facts.recipient = null;
        }
        return switch (facts.stage) {
            case HELO -> session.helo(facts);
            case MAIL -> session.mail(facts);
            case RCPT -> session.rcpt(facts);
            case END_OF_MESSAGE -> session.endOfMessage(facts);
            default -> PolicyVerdict.proceed();
        };
    }

    /** Starts the milter's side of a session: a connection (an idle one if there is one) and option negotiation. */
    private MilterSession open(PolicyFacts facts) throws IOException {
        Settings current = settings;
        MilterSession session = null;
        for (MilterConnection reused; session == null && (reused = idle.poll()) != null; ) {
            MilterSession candidate = new MilterSession(reused, current.session());
            try {
                candidate.negotiate();
                session = candidate;
            } catch (IOException e) {
                reused.close(); // the milter closed it while it was idle
            }
        }
        if (session == null) {
            MilterConnection connection;
            try {
                connection = MilterConnection.open(current.address(), current.connectTimeout(), timer);
            } catch (IOException e) {
                throw new IOException("cannot connect to milter " + current.name() + " at " + current.address() + ": "
                        + e.getMessage(), e);
            }
            LOG.info("Milter {}: connected to {}", current.name(), current.address());
            session = new MilterSession(connection, current.session());
            session.negotiate();
        }
        sessions.put(facts.sessionId, session);
        return session;
    }

    @Override
    public void sessionEnded(String sessionId) {
        failed.remove(sessionId);
        MilterSession session = sessions.remove(sessionId);
        if (session == null) {
            return;
        }
        boolean reuse = settings.maxIdle() > 0 && session.reusable() && idle.size() < settings.maxIdle();
        session.quit(reuse);
        if (reuse) {
            idle.push(session.connection());
        }
    }

    private static Settings settings(MilterConfiguration config, Path workDirectory) {
        try {
            String name = config.name() == null ? "" : config.name().strip();
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127)) {
                throw new IllegalArgumentException("name '" + config.name() + "' must be given, printable, without spaces");
            }
            if (config.connectTimeout() < 1 || config.commandTimeout() < 1 || config.endTimeout() < 1) {
                throw new IllegalArgumentException("timeouts are milliseconds, at least 1");
            }
            onFailure(config.onFailure());
            stages(config.stages());
            Map<Integer, List<String>> macros = new LinkedHashMap<>();
            macros.put(Packets.M_CONNECT, List.of(config.connectMacros()));
            macros.put(Packets.M_HELO, List.of(config.heloMacros()));
            macros.put(Packets.M_ENVFROM, List.of(config.mailMacros()));
            macros.put(Packets.M_ENVRCPT, List.of(config.rcptMacros()));
            macros.put(Packets.M_DATA, List.of(config.endMacros()));
            macros.put(Packets.M_EOM, List.of(config.endMacros()));
            return new Settings(name, MilterConnection.Address.parse(config.address()), config.connectTimeout(),
                    config.reuseConnections() ? Math.max(0, config.maxIdleConnections()) : 0, new MilterSession.Settings(name, config.commandTimeout(),
                            config.endTimeout(), macros, workDirectory));
        } catch (IllegalArgumentException e) {
            LOG.error("Milter not used: {}. Fix the {} configuration.", e.getMessage(), FACTORY_PID);
            throw e;
        }
    }

    /** @return the stages, checked: those a milter can be told about */
    static String[] stages(String[] configured) {
        List<String> stages = new java.util.ArrayList<>();
        for (String stage : configured) {
            String name = stage.strip().toUpperCase(Locale.ROOT);
            if (!List.of("CONNECT", "HELO", "MAIL", "RCPT", "END_OF_MESSAGE").contains(name)) {
                throw new IllegalArgumentException("stage '" + stage + "' is none of CONNECT, HELO, MAIL, RCPT, "
                        + "END_OF_MESSAGE");
            }
            stages.add(name);
        }
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("stages names none: the milter would be told nothing");
        }
        return stages.toArray(new String[0]);
    }

    /** @return the policy plugin's failure policy for the milter's: tempfail, accept (continue) or reject */
    private static String onFailure(String value) {
        return switch (value == null ? "" : value.strip().toLowerCase(Locale.ROOT)) {
            case "tempfail" -> Policy.TEMPFAIL;
            case "accept" -> Policy.CONTINUE;
            case "reject" -> Policy.REJECT;
            default -> throw new IllegalArgumentException("onFailure '" + value + "' is none of tempfail, accept, reject");
        };
    }

    private static Dictionary<String, Object> properties(MilterConfiguration config, Settings settings) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Policy.PREFIX_ + "name", "milter:" + settings.name());
        properties.put(Policy.PREFIX_ + "stages", stages(config.stages()));
        // the milter's own time limits come first; this one only bounds them
        long longest = (long) config.connectTimeout() + 2L * config.commandTimeout() + config.endTimeout();
        properties.put(Policy.PREFIX_ + "timeout", longest);
        properties.put(Policy.PREFIX_ + "onFailure", onFailure(config.onFailure()));
        properties.put(Policy.PREFIX_ + "usage", config.smtp_policy_usage());
        properties.put(Policy.PREFIX_ + "bindings", config.smtp_policy_bindings());
        properties.put(Constants.SERVICE_RANKING, config.service_ranking());
        return properties;
    }

    @Override
    public String toString() {
        return "milter " + settings.name();
    }
}
