package smtp.policy.ratelimit.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.annotation.Annotation;
import java.util.Map;

import org.junit.Test;

import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyStage;

public class LimitTest {

    /** A configuration: the defaults, with the given attributes changed. */
    static LimitConfiguration config(Map<String, Object> changed) {
        return new LimitConfiguration() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return LimitConfiguration.class;
            }

            private Object get(String name, Object otherwise) {
                return changed.getOrDefault(name, otherwise);
            }

            @Override
            public String name() {
                return (String) get("name", "test");
            }

            @Override
            public String key() {
                return (String) get("key", "client");
            }

            @Override
            public String kind() {
                return (String) get("kind", "rate");
            }

            @Override
            public String counts() {
                return (String) get("counts", "messages");
            }

            @Override
            public int max() {
                return (Integer) get("max", 100);
            }

            @Override
            public int period() {
                return (Integer) get("period", 60);
            }

            @Override
            public int prefixLength4() {
                return (Integer) get("prefixLength4", 24);
            }

            @Override
            public int prefixLength6() {
                return (Integer) get("prefixLength6", 64);
            }

            @Override
            public String action() {
                return (String) get("action", "defer");
            }

            @Override
            public int service_ranking() {
                return 0;
            }

            @Override
            public String[] smtp_policy_usage() {
                return new String[0];
            }

            @Override
            public String[] smtp_policy_bindings() {
                return new String[0];
            }

            @Override
            public String webconsole_configurationFactory_nameHint() {
                return "";
            }
        };
    }

    private static PolicyFacts facts(String client, String sender, String recipient) {
        PolicyFacts facts = new PolicyFacts();
        facts.clientAddress = client;
        facts.sender = sender;
        facts.recipient = recipient;
        facts.heloName = "Client.Example";
        return facts;
    }

    @Test
    public void eachKeyIsTakenFromTheFactsOfItsStage() {
        PolicyFacts facts = facts("192.0.2.77", "Alice@Client.Example", "bob@Example.ORG");
        assertEquals("192.0.2.77", Limit.of(config(Map.of())).keyOf(facts));
        assertEquals("192.0.2.0/24", Limit.of(config(Map.of("key", "clientNetwork"))).keyOf(facts));
        assertEquals("192.0.0.0/16", Limit.of(config(Map.of("key", "clientNetwork", "prefixLength4", 16))).keyOf(facts));
        assertEquals("2001:db8:0:0:0:0:0:0/48", Limit.of(config(Map.of("key", "clientNetwork", "prefixLength6", 48)))
                .keyOf(facts("2001:db8::1:2:3", null, null)));
        assertEquals("alice@client.example", Limit.of(config(Map.of("key", "sender"))).keyOf(facts));
        assertEquals("<>", Limit.of(config(Map.of("key", "sender"))).keyOf(facts("192.0.2.1", "", null)));
        assertEquals("client.example", Limit.of(config(Map.of("key", "senderDomain"))).keyOf(facts));
        assertEquals("client.example", Limit.of(config(Map.of("key", "helo", "counts", "connections"))).keyOf(facts));
        assertEquals("example.org", Limit.of(config(Map.of("key", "recipientDomain", "counts", "recipients")))
                .keyOf(facts));
        assertNull("no user, no limit", Limit.of(config(Map.of("key", "user"))).keyOf(facts));
    }

    @Test
    public void theStageFollowsWhatIsCounted() {
        assertEquals(PolicyStage.CONNECT, Limit.of(config(Map.of("counts", "connections"))).stage());
        assertEquals(PolicyStage.MAIL, Limit.of(config(Map.of())).stage());
        assertEquals(PolicyStage.RCPT, Limit.of(config(Map.of("counts", "recipients"))).stage());
        assertEquals(PolicyStage.AUTH, Limit.of(config(Map.of("key", "user", "counts", "connections"))).stage());
        assertEquals(PolicyStage.CONNECT, Limit.of(config(Map.of("kind", "concurrency"))).stage());
        assertEquals(PolicyStage.MAIL, Limit.of(config(Map.of("kind", "concurrency", "key", "sender"))).stage());
    }

    @Test
    public void aConfigurationThatCannotWorkIsRefusedSayingWhy() {
        for (Map<String, Object> wrong : new Map[] {Map.of("key", "country"), Map.of("kind", "burst"),
            Map.of("counts", "bytes"), Map.of("key", "sender", "counts", "connections"),
            Map.of("key", "recipientDomain"), Map.of("max", 0), Map.of("period", 0), Map.of("action", "drop"),
            Map.of("name", " "), Map.of("prefixLength4", 33)}) {
            try {
                Limit.of(config(wrong));
                fail("accepted " + wrong);
            } catch (IllegalArgumentException expected) {
                assertFalse(expected.getMessage().isBlank());
            }
        }
    }

    @Test
    public void aRateAllowsItsMaximumThenRefillsEvenlyOverThePeriod() {
        LimitState state = new LimitState();
        for (int i = 0; i < 5; i++) {
            assertTrue(state.take("k", 5, 10_000, 1_000));
        }
        assertFalse(state.take("k", 5, 10_000, 1_000));
        assertTrue("another key has its own allowance", state.take("other", 5, 10_000, 1_000));
        assertFalse("a fifth of the period gives one back, not yet", state.take("k", 5, 10_000, 2_999));
        assertTrue(state.take("k", 5, 10_000, 3_000));
        assertFalse(state.take("k", 5, 10_000, 3_000));
        assertTrue(state.take("k", 5, 10_000, 100_000));
    }

    @Test
    public void aConcurrencyCountsSessionsOnceAndGivesBackWhenTheyEnd() {
        LimitState state = new LimitState();
        assertTrue(state.enter("k", "s1", 2));
        assertTrue("the same session again", state.enter("k", "s1", 2));
        assertTrue(state.enter("k", "s2", 2));
        assertFalse(state.enter("k", "s3", 2));
        assertEquals(2, state.holding("k"));
        state.leave("s1");
        state.leave("s3"); // held nothing
        assertEquals(1, state.holding("k"));
        assertTrue(state.enter("k", "s3", 2));
        state.leave("s2");
        state.leave("s3");
        assertEquals(0, state.holding("k"));
    }
}
