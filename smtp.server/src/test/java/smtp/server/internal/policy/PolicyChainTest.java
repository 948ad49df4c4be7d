package smtp.server.internal.policy;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;
import org.osgi.framework.Constants;

import smtp.server.internal.session.SessionInfo;
import smtp.server.internal.session.Usage;
import smtp.server.spi.Policy;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyPlugin;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

public class PolicyChainTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Policies policies = new Policies();
    private final PolicyChain chain = new PolicyChain(policies, threads, "mx.test");
    private final List<PolicyResultDTO> reported = new ArrayList<>();
    private final List<String> asked = new ArrayList<>();
    private final CountDownLatch never = new CountDownLatch(1);
    private long serviceIds;

    @After
    public void stop() {
        never.countDown();
        threads.shutdownNow();
    }

    private static SessionInfo session(String binding, Usage usage) {
        return new SessionInfo("S1", new Object(), binding, usage, new InetSocketAddress("127.0.0.5", 40000),
                new InetSocketAddress("127.0.0.1", 25), false, null);
    }

    private void add(String name, int ranking, PolicyPlugin plugin, Object... more) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(Policy.PREFIX_ + "name", name);
        properties.put(Constants.SERVICE_RANKING, ranking);
        properties.put(Constants.SERVICE_ID, ++serviceIds);
        properties.put(Policy.PREFIX_ + "timeout", 200L);
        for (int i = 0; i < more.length; i += 2) {
            properties.put(Policy.PREFIX_ + more[i], more[i + 1]);
        }
        policies.add(plugin, properties);
    }

    private PolicyPlugin answering(String name, PolicyVerdict verdict) {
        return facts -> {
            synchronized (asked) {
                asked.add(name);
            }
            return CompletableFuture.completedFuture(verdict);
        };
    }

    private PolicyChain.Outcome ask(PolicyStage stage, SessionInfo session) throws Exception {
        PolicyFacts facts = PolicyChain.facts(stage, session, null, Map.of(), List.of(), null);
        return chain.ask(session, facts, reported::add);
    }

    @Test
    public void pluginsAreAskedByRankingUntilOneDecidesAndEveryVerdictIsReported() throws Exception {
        add("low", -5, answering("low", PolicyVerdict.reject("never reached")));
        add("high", 10, answering("high", PolicyVerdict.proceed().withHeader("X-High", "1")));
        add("middle", 0, answering("middle", PolicyVerdict.defer("not now")));
        PolicyChain.Outcome outcome = ask(PolicyStage.MAIL, session("mx", Usage.EXTERNAL));
        assertEquals(List.of("high", "middle"), asked);
        assertTrue(outcome.refuses());
        assertEquals("451 4.7.1 not now", outcome.verdict().reply());
        assertEquals("middle", outcome.policy());
        assertEquals(List.of(), outcome.headers()); // a refusal adds nothing
        assertEquals(2, reported.size());
        assertEquals("CONTINUE", reported.get(0).action);
        assertEquals("X-High: 1", reported.get(0).headers[0]);
        assertEquals("DEFER", reported.get(1).action);
        assertEquals("MAIL", reported.get(1).stage);
    }

    @Test
    public void anInterceptedSessionsFactsNameWhereTheClientMeantToGo() throws Exception {
        List<PolicyFacts> seen = new ArrayList<>();
        add("seeing", 0, facts -> {
            synchronized (seen) {
                seen.add(facts);
            }
            return CompletableFuture.completedFuture(PolicyVerdict.proceed());
        });
        SessionInfo plain = session("mx", Usage.INTERNAL);
        ask(PolicyStage.CONNECT, plain);
        SessionInfo intercepted = session("intercepted", Usage.INTERNAL);
        intercepted.intercepted(new InetSocketAddress("203.0.113.25", 25), true);
        ask(PolicyStage.CONNECT, intercepted);
        SessionInfo v6 = session("intercepted", Usage.INTERNAL);
        v6.intercepted(new InetSocketAddress("2001:db8::25", 25), false);
        ask(PolicyStage.CONNECT, v6);
        assertEquals(null, seen.get(0).originalDestination);
        assertEquals("203.0.113.25:25", seen.get(1).originalDestination);
        assertEquals("[2001:db8:0:0:0:0:0:25]:25", seen.get(2).originalDestination);
        assertEquals("203.0.113.25:25", intercepted.snapshot().originalDestination);
    }

    @Test
    public void acceptEndsTheStageAndKeepsTheHeadersGivenSoFar() throws Exception {
        add("first", 2, answering("first", PolicyVerdict.proceed().withHeader("X-First", "a")));
        add("allow", 1, answering("allow", PolicyVerdict.accept().withHeader("X-Allow", "b")));
        add("block", 0, answering("block", PolicyVerdict.reject("blocked")));
        PolicyChain.Outcome outcome = ask(PolicyStage.CONNECT, session("mx", Usage.EXTERNAL));
        assertFalse(outcome.refuses());
        assertEquals(PolicyVerdict.Action.ACCEPT, outcome.verdict().action());
        assertEquals(List.of("X-First: a", "X-Allow: b"), outcome.headers());
        assertEquals(List.of("first", "allow"), asked);
    }

    @Test
    public void pluginsAreAskedOnlyAtTheirStagesAndOnTheirBindingsAndUsage() throws Exception {
        add("external-only", 0, answering("external-only", PolicyVerdict.proceed()), "usage", new String[] {"external"});
        add("submission-only", 0, answering("submission-only", PolicyVerdict.proceed()), "bindings",
                new String[] {"submission"});
        add("rcpt-only", 0, answering("rcpt-only", PolicyVerdict.proceed()), "stages", new String[] {"RCPT"});
        ask(PolicyStage.HELO, session("mx", Usage.INTERNAL));
        assertEquals(List.of(), asked);
        ask(PolicyStage.HELO, session("mx", Usage.EXTERNAL));
        assertEquals(List.of("external-only"), asked);
        asked.clear();
        ask(PolicyStage.RCPT, session("submission", Usage.INTERNAL));
        assertEquals(List.of("submission-only", "rcpt-only"), asked);
    }

    @Test
    public void aPluginThatNeverAnswersFailsAfterItsLimitUnderEachPolicy() throws Exception {
        PolicyPlugin hanging = facts -> new CompletableFuture<>(); // an answer that never comes
        add("hang-closed", 3, hanging);
        PolicyChain.Outcome closed = ask(PolicyStage.RCPT, session("mx", Usage.EXTERNAL));
        assertEquals("451 4.7.1 Policy check hang-closed unavailable, try again later", closed.verdict().reply());
        assertEquals("no answer within 200 ms", reported.get(0).failure);
        assertEquals("DEFER", reported.get(0).action);

        policies.remove(hanging);
        add("hang-open", 3, hanging, "onFailure", "continue");
        add("next", 0, answering("next", PolicyVerdict.proceed()));
        PolicyChain.Outcome open = ask(PolicyStage.RCPT, session("mx", Usage.EXTERNAL));
        assertFalse(open.refuses());
        assertEquals(List.of("next"), asked);
        assertEquals("CONTINUE", reported.get(1).action);
        assertEquals("no answer within 200 ms", reported.get(1).failure);

        policies.remove(hanging);
        add("hang-reject", 3, hanging, "onFailure", "reject");
        assertEquals("554 5.7.1 Policy check hang-reject failed",
                ask(PolicyStage.CONNECT, session("mx", Usage.EXTERNAL)).verdict().reply());
    }

    @Test
    public void aPluginThatBlocksItsCallerOrThrowsOrAnswersNothingHasFailed() throws Exception {
        PolicyPlugin blocking = facts -> {
            try {
                never.await(); // blocks the thread it was called on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture(PolicyVerdict.proceed());
        };
        add("blocking", 0, blocking);
        assertEquals("421 4.7.1 Policy check blocking unavailable, try again later",
                ask(PolicyStage.CONNECT, session("mx", Usage.EXTERNAL)).verdict().reply());
        policies.remove(blocking);

        PolicyPlugin throwing = facts -> {
            throw new IllegalStateException("broken plugin");
        };
        add("throwing", 0, throwing, "onFailure", "reject");
        assertEquals("550 5.7.1 Policy check throwing failed", ask(PolicyStage.MAIL, session("mx", Usage.EXTERNAL))
                .verdict().reply());
        assertEquals("java.lang.IllegalStateException: broken plugin", reported.get(1).failure);
        policies.remove(throwing);

        PolicyPlugin failing = facts -> CompletableFuture.failedFuture(new java.io.IOException("lookup failed"));
        add("failing", 0, failing);
        assertEquals("DEFER", ask(PolicyStage.MAIL, session("mx", Usage.EXTERNAL)).verdict().action().name());
        assertEquals("java.io.IOException: lookup failed", reported.get(2).failure);
        policies.remove(failing);

        PolicyPlugin silent = facts -> CompletableFuture.completedFuture(null);
        add("silent", 0, silent, "onFailure", "continue");
        assertFalse(ask(PolicyStage.MAIL, session("mx", Usage.EXTERNAL)).refuses());
        assertEquals("the plugin gave no verdict", reported.get(3).failure);
    }

    @Test
    public void anAnswerFromAnotherThreadLaterIsTaken() throws Exception {
        add("async", 0, facts -> CompletableFuture.supplyAsync(() -> PolicyVerdict.disconnect("go away"),
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)));
        PolicyChain.Outcome outcome = ask(PolicyStage.HELO, session("mx", Usage.EXTERNAL));
        assertEquals(PolicyVerdict.Action.DISCONNECT, outcome.verdict().action());
        assertEquals("421 4.7.0 go away", outcome.verdict().reply());
    }

    @Test
    public void quarantineEndsTheStageWithTheReason() throws Exception {
        add("suspicious", 0, answering("suspicious", PolicyVerdict.quarantine("looks odd")));
        PolicyChain.Outcome outcome = ask(PolicyStage.RCPT, session("mx", Usage.EXTERNAL));
        assertFalse(outcome.refuses());
        assertEquals("suspicious: looks odd", outcome.quarantine());
        assertNull(reported.get(0).reply);
    }

    @Test
    public void verdictsKeepTheirRepliesToTheirKind() {
        assertEquals("554 5.7.1 no", PolicyVerdict.reject(554, "5.7.1", "no").reply());
        assertEquals("450 4.2.0 later", PolicyVerdict.defer(450, "4.2.0", "later").reply());
        assertEquals("550 5.7.1 two lines", PolicyVerdict.reject("two\r\nlines").reply().replace("  ", " "));
        for (Runnable wrong : List.<Runnable>of(() -> PolicyVerdict.reject(451, "5.7.1", "x"),
                () -> PolicyVerdict.defer(550, "4.7.1", "x"), () -> PolicyVerdict.defer(451, "5.7.1", "x"),
                () -> PolicyVerdict.reject(550, "5.7", "x"), () -> PolicyVerdict.reject("x").withHeader("X-A", "b"),
                () -> PolicyVerdict.proceed().withHeader("Bad: name", "b"))) {
            try {
                wrong.run();
                throw new AssertionError("accepted a verdict that cannot be");
            } catch (IllegalArgumentException expected) {
                // refused, as it should be
            }
        }
    }
}
