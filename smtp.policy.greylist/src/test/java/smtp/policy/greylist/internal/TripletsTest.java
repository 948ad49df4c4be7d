package smtp.policy.greylist.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

import smtp.policy.greylist.internal.Triplets.Decision;

public class TripletsTest {

    private static final Triplets.Timing TIMING = new Triplets.Timing(300_000, 3_600_000, 86_400_000, 2);

    @Test
    public void aTripletIsDeferredUntilItIsRetriedAfterTheDelay() {
        Triplets triplets = new Triplets();
        long[] seconds = new long[1];
        assertEquals(Decision.DEFERRED, triplets.check("192.0.2.0/24", "a@x.test", "b@y.test", TIMING, 0, seconds));
        assertEquals(300, seconds[0]);
        assertEquals(Decision.DEFERRED, triplets.check("192.0.2.0/24", "a@x.test", "b@y.test", TIMING, 100_000, seconds));
        assertEquals(200, seconds[0]);
        assertEquals(Decision.PASSED_NOW, triplets.check("192.0.2.0/24", "a@x.test", "b@y.test", TIMING, 301_000, seconds));
        assertEquals(301, seconds[0]);
        assertEquals(Decision.PASSED, triplets.check("192.0.2.0/24", "a@x.test", "b@y.test", TIMING, 302_000, seconds));
        assertEquals("another recipient is another triplet", Decision.DEFERRED,
                triplets.check("192.0.2.0/24", "a@x.test", "c@y.test", TIMING, 302_000, seconds));
    }

    @Test
    public void aRetryAfterTheWindowStartsOverAndANetworkThatRetriedPassesAfterEnoughTriplets() {
        Triplets triplets = new Triplets();
        long[] seconds = new long[1];
        triplets.check("n", "a", "b", TIMING, 0, seconds);
        assertEquals("too late: starts over", Decision.DEFERRED, triplets.check("n", "a", "b", TIMING, 3_600_001, seconds));
        assertEquals(Decision.PASSED_NOW, triplets.check("n", "a", "b", TIMING, 3_900_001, seconds));
        triplets.check("n", "a", "c", TIMING, 3_900_001, seconds);
        assertEquals("one triplet passed: not yet the network", Decision.DEFERRED,
                triplets.check("n", "z", "z", TIMING, 3_900_002, seconds));
        assertEquals(Decision.PASSED_NOW, triplets.check("n", "a", "c", TIMING, 4_300_000, seconds));
        assertEquals("two passed: the network passes", Decision.PASSED,
                triplets.check("n", "new", "one", TIMING, 4_300_001, seconds));
        assertEquals("after the lifetime unseen, the network is greylisted again", Decision.DEFERRED,
                triplets.check("n", "other", "one", TIMING, 4_300_001 + 86_400_001, seconds));
    }

    @Test
    public void theStateSurvivesASaveAndALoadAndExpiredEntriesGo() throws Exception {
        Triplets triplets = new Triplets();
        long[] seconds = new long[1];
        triplets.check("n", "a", "b", TIMING, 0, seconds);
        triplets.check("n", "a", "old", TIMING, 0, seconds);
        triplets.check("n", "a", "old", TIMING, 300_000, seconds);
        Path file = Files.createTempDirectory("greylist").resolve("state");
        triplets.save(file);
        assertFalse(triplets.changed());
        Files.writeString(file, Files.readString(file) + "T\tbroken line\n");
        Triplets loaded = new Triplets();
        assertEquals(1, loaded.load(file));
        assertEquals(2, loaded.size());
        assertEquals("pending before the restart, passes after it", Decision.PASSED_NOW,
                loaded.check("n", "a", "b", TIMING, 400_000, seconds));
        loaded.expire(TIMING, 400_000 + 86_400_001);
        assertEquals(0, loaded.size());
        assertEquals(0, new Triplets().load(file.resolveSibling("absent")));
    }

    @Test
    public void networksAreMaskedAndMatched() throws Exception {
        byte[] client = InetAddress.getByName("192.0.2.77").getAddress();
        assertEquals("192.0.2.0/24", Greylist.network(client, 24));
        assertEquals("2001:db8:1:0:0:0:0:0/48",
                Greylist.network(InetAddress.getByName("2001:db8:1:2::9").getAddress(), 48));
        byte[][] network = Greylist.cidr("192.0.0.0/16");
        assertTrue(Greylist.within(client, network[0], network[1][0]));
        assertFalse(Greylist.within(InetAddress.getByName("192.1.0.1").getAddress(), network[0], network[1][0]));
        for (String wrong : new String[] {"example.com", "192.0.2.0/33", "192.0.2.0/x"}) {
            try {
                Greylist.cidr(wrong);
                throw new AssertionError("accepted " + wrong);
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage().contains(wrong));
            }
        }
    }
}
