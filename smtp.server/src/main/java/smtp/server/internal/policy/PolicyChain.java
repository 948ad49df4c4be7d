package smtp.server.internal.policy;

import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.internal.net.Addresses;
import smtp.server.internal.session.SessionInfo;
import smtp.server.spi.MessageChange;
import smtp.server.spi.Policy;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;
import smtp.server.spi.PolicyVerdict.Action;

/**
 * Asks the policy plugins of one stage, in order, until one decides. Each
 * plugin is called on a thread of the listener's and waited for within its
 * time limit; a plugin that throws, answers nothing or answers late has failed,
 * and its failure policy answers for it. Every answer is reported (events,
 * counters).
 */
public final class PolicyChain {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyChain.class);

    /**
     * What the plugins of a stage decided.
     *
     * @param verdict the deciding verdict: CONTINUE when none decided
     * @param policy the name of the plugin whose verdict decided, or null
     * @param headers the header fields the plugins asked so far added (none when the verdict refuses)
     * @param changes the changes to the message the plugins asked so far gave, in order (none when it refuses)
     * @param quarantine why the message is to be quarantined, or null
     * @param discard why the message is to be dropped, or null
     */
    public record Outcome(PolicyVerdict verdict, String policy, List<String> headers, List<MessageChange> changes,
            String quarantine, String discard) {

        static final Outcome NONE = new Outcome(PolicyVerdict.proceed(), null, List.of(), List.of(), null, null);

        /** @return whether the verdict refuses: REJECT, DEFER or DISCONNECT */
        public boolean refuses() {
            Action action = verdict.action();
            return action == Action.REJECT || action == Action.DEFER || action == Action.DISCONNECT;
        }
    }

    private final Policies policies;
    private final Executor threads;
    private final String serverName;

    /** @param serverName the name the server greets with, a fact for the plugins */
    public PolicyChain(Policies policies, Executor threads, String serverName) {
        this.policies = policies;
        this.threads = threads;
        this.serverName = serverName;
    }

    public Policies policies() {
        return policies;
    }

    /**
     * Asks the plugins of the stage.
     *
     * @param facts the facts of the stage; each plugin is given its own copy
     * @param report told every plugin's verdict, on this thread
     * @throws InterruptedIOException if the session's thread was interrupted while it waited (the listener stops)
     */
    public Outcome ask(SessionInfo session, PolicyFacts facts, Consumer<PolicyResultDTO> report)
            throws InterruptedIOException {
        List<Policies.Entry> asked = policies.at(facts.stage, session.binding, session.usage);
        if (asked.isEmpty()) {
            return Outcome.NONE;
        }
        facts.serverName = serverName;
        List<String> headers = new ArrayList<>();
        List<MessageChange> changes = new ArrayList<>();
        for (Policies.Entry entry : asked) {
            long start = System.nanoTime();
            String failure = null;
            PolicyVerdict verdict;
            try {
                verdict = call(entry, copy(facts));
                if (verdict == null) {
                    failure = "the plugin gave no verdict";
                }
            } catch (ExecutionException e) {
                verdict = null;
                Throwable cause = e.getCause() == null ? e : e.getCause();
                failure = cause.toString();
            } catch (TimeoutException e) {
                verdict = null;
                failure = "no answer within " + entry.timeoutMillis() + " ms";
            }
            if (failure != null) {
                verdict = onFailure(entry, facts.stage);
                LOG.warn("Session {} with {}: policy plugin {} failed at {}: {}; policy {}: {}", session.id,
                        session.clientAddress(), entry.name(), facts.stage, failure, entry.onFailure(), verdict);
            }
            if (!entry.scanner() || failure != null) {
                report.accept(result(entry.name(), facts, verdict, failure, (System.nanoTime() - start) / 1_000_000));
            }
            switch (verdict.action()) {
                case CONTINUE -> {
                    headers.addAll(verdict.headers());
                    changes.addAll(verdict.changes());
                }
                case ACCEPT -> {
                    headers.addAll(verdict.headers());
                    changes.addAll(verdict.changes());
                    return new Outcome(verdict, entry.name(), headers, changes, null, null);
                }
                case QUARANTINE -> {
                    headers.addAll(verdict.headers());
                    changes.addAll(verdict.changes());
                    return new Outcome(verdict, entry.name(), headers, changes, entry.name() + ": " + verdict.text(), null);
                }
                case DISCARD -> {
                    dropBodies(changes, verdict.changes());
                    LOG.info("Session {} with {}: message discarded at {} by policy plugin {}: {}", session.id,
                            session.clientAddress(), facts.stage, entry.name(), verdict.text());
                    return new Outcome(verdict, entry.name(), List.of(), List.of(), null,
                            entry.name() + ": " + verdict.text());
                }
                default -> {
                    dropBodies(changes, verdict.changes());
                    LOG.info("Session {} with {}: {} at {} by policy plugin {}", session.id, session.clientAddress(),
                            verdict.reply(), facts.stage, entry.name());
                    return new Outcome(verdict, entry.name(), List.of(), List.of(), null, null);
                }
            }
        }
        return new Outcome(PolicyVerdict.proceed(), null, headers, changes, null, null);
    }

    /** Deletes the files of replaced bodies that will not be used: the message is refused or dropped. */
    private static void dropBodies(List<MessageChange> changes, List<MessageChange> more) {
        for (List<MessageChange> list : List.of(changes, more)) {
            for (MessageChange change : list) {
                if (change.kind() == MessageChange.Kind.REPLACE_BODY) {
                    try {
                        java.nio.file.Files.deleteIfExists(change.body());
                    } catch (java.io.IOException e) {
                        LOG.warn("Cannot delete the replaced body {}: {}", change.body(), e.toString());
                    }
                }
            }
        }
    }

    /** Tells the plugins of the session's binding that it ended. */
    public void ended(SessionInfo session) {
        for (Policies.Entry entry : policies.all()) {
            if (entry.bindings().isEmpty() || entry.bindings().contains(session.binding)) {
                try {
                    entry.plugin().sessionEnded(session.id);
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("Policy plugin {} failed when told that session {} ended", entry.name(), session.id, e);
                }
            }
        }
    }

    private PolicyVerdict call(Policies.Entry entry, PolicyFacts facts)
            throws ExecutionException, TimeoutException, InterruptedIOException {
        CompletableFuture<PolicyVerdict> answer = new CompletableFuture<>();
        try {
            threads.execute(() -> {
                try {
                    CompletionStage<PolicyVerdict> stage = entry.plugin().check(facts);
                    if (stage == null) {
                        answer.completeExceptionally(new IllegalStateException("the plugin returned no answer"));
                    } else {
                        stage.whenComplete((verdict, e) -> {
                            if (e != null) {
                                answer.completeExceptionally(e);
                            } else {
                                answer.complete(verdict);
                            }
                        });
                    }
                } catch (RuntimeException | LinkageError e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new ExecutionException("the listener is stopping", e);
        }
        try {
            return answer.get(entry.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for policy plugin " + entry.name());
        }
    }

    /** @return the verdict that the plugin's failure policy gives */
    static PolicyVerdict onFailure(Policies.Entry entry, PolicyStage stage) {
        return switch (entry.onFailure()) {
            case Policy.CONTINUE -> PolicyVerdict.proceed();
            case Policy.REJECT -> PolicyVerdict.reject(stage == PolicyStage.CONNECT ? 554 : 550, "5.7.1",
                    "Policy check " + entry.name() + " failed");
            default -> PolicyVerdict.defer(stage == PolicyStage.CONNECT ? 421 : 451, "4.7.1",
                    "Policy check " + entry.name() + " unavailable, try again later");
        };
    }

    private static PolicyResultDTO result(String name, PolicyFacts facts, PolicyVerdict verdict, String failure,
            long millis) {
        PolicyResultDTO result = new PolicyResultDTO();
        result.policy = name;
        result.stage = facts.stage.name();
        result.action = verdict.action().name();
        result.reply = verdict.reply();
        result.failure = failure;
        result.headers = verdict.headers().toArray(new String[0]);
        result.durationMillis = millis;
        result.sender = facts.sender;
        result.recipient = facts.recipient;
        result.queueId = facts.queueId;
        return result;
    }

    /**
     * @return the facts of a session at a stage
     * @param sender the reverse path, or null before MAIL
     * @param recipients the recipients accepted so far
     * @param recipient at RCPT, the recipient asked about
     */
    public static PolicyFacts facts(PolicyStage stage, SessionInfo session, String sender, Map<String, String> parameters,
            List<String> recipients, String recipient) {
        PolicyFacts facts = new PolicyFacts();
        facts.stage = stage;
        facts.sessionId = session.id;
        facts.sessionStartedAt = session.startedAt;
        facts.clientAddress = session.clientAddress();
        facts.clientPort = session.client().getPort();
        facts.proxied = session.proxied();
        facts.peerAddress = session.peer.getAddress().getHostAddress();
        facts.localAddress = session.local().getAddress().getHostAddress();
        facts.localPort = session.local().getPort();
        facts.originalDestination = session.originalDestination() == null ? null
                : Addresses.hostPort(session.originalDestination());
        facts.binding = session.binding;
        facts.usage = session.usage.toString();
        facts.tls = session.tls();
        facts.tlsCipher = session.tlsCipher();
        facts.authenticatedUser = session.user();
        facts.heloName = session.heloName();
        facts.sender = sender;
        facts.mailParameters = parameters;
        facts.recipients = recipients;
        facts.recipient = recipient;
        return facts;
    }

    private static PolicyFacts copy(PolicyFacts facts) {
        PolicyFacts copy = new PolicyFacts();
        copy.stage = facts.stage;
        copy.sessionId = facts.sessionId;
        copy.sessionStartedAt = facts.sessionStartedAt;
        copy.clientAddress = facts.clientAddress;
        copy.clientPort = facts.clientPort;
        copy.proxied = facts.proxied;
        copy.peerAddress = facts.peerAddress;
        copy.localAddress = facts.localAddress;
        copy.localPort = facts.localPort;
        copy.originalDestination = facts.originalDestination;
        copy.binding = facts.binding;
        copy.usage = facts.usage;
        copy.tls = facts.tls;
        copy.tlsCipher = facts.tlsCipher;
        copy.serverName = facts.serverName;
        copy.authenticatedUser = facts.authenticatedUser;
        copy.heloName = facts.heloName;
        copy.sender = facts.sender;
        copy.mailParameters = facts.mailParameters == null ? Map.of() : facts.mailParameters;
        copy.recipients = facts.recipients == null ? List.of() : List.copyOf(facts.recipients);
        copy.recipient = facts.recipient;
        copy.queueId = facts.queueId;
        copy.content = facts.content;
        return copy;
    }
}
