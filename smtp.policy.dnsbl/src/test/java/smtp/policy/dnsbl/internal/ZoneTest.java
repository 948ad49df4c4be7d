package smtp.policy.dnsbl.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.util.List;

import org.junit.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

import smtp.server.spi.PolicyFacts;

public class ZoneTest {

    private static byte[] ip(String address) throws Exception {
        return InetAddress.getByName(address).getAddress();
    }

    @Test
    public void onlyAnswersIn127Slash8ThatAreNotRefusalsCount() throws Exception {
        Zone any = new Zone("bl.test", Zone.Target.CLIENT, false, 2, List.of());
        assertEquals(2, any.weightOf(ip("127.0.0.2")));
        assertEquals(2, any.weightOf(ip("127.1.2.3")));
        assertEquals("query refused", 0, any.weightOf(ip("127.255.255.254")));
        assertEquals("outside 127.0.0.0/8", 0, any.weightOf(ip("192.0.2.1")));
        assertEquals(0, any.weightOf(ip("::1")));
        assertFalse(Zone.isListing(ip("127.255.255.252")));
    }

    @Test
    public void returnCodesGiveTheirOwnWeightsAndAllowListsSubtract() throws Exception {
        Zone zone = new Zone("bl.test", Zone.Target.CLIENT, false, 1,
                Zone.codes(new String[] {"127.0.0.2", "127.0.0.4-127.0.0.7=3", " "}, 1));
        assertEquals(1, zone.weightOf(ip("127.0.0.2")));
        assertEquals(0, zone.weightOf(ip("127.0.0.3")));
        assertEquals(3, zone.weightOf(ip("127.0.0.5")));
        Zone allow = new Zone("wl.test", Zone.Target.CLIENT, true, 5, List.of());
        assertEquals(-5, allow.weightOf(ip("127.0.9.1")));
    }

    @Test
    public void configurationsThatCannotWorkAreRefusedSayingWhy() {
        for (Runnable wrong : List.<Runnable>of(() -> Zone.zone("not a zone"), () -> Zone.zone("localhost"),
                () -> Zone.target("country"), () -> Zone.codes(new String[] {"10.0.0.1"}, 1),
                () -> Zone.codes(new String[] {"127.255.255.254"}, 1), () -> Zone.codes(new String[] {"127.0.0.2=x"}, 1),
                () -> Zone.codes(new String[] {"127.0.0.9-127.0.0.2"}, 1), () -> Dnsbl.nameserver("dns.example"),
                () -> Dnsbl.nameserver("127.0.0.1:99999"))) {
            try {
                wrong.run();
                throw new AssertionError("accepted a configuration that cannot work");
            } catch (IllegalArgumentException expected) {
                assertFalse(expected.getMessage().isBlank());
            }
        }
        assertEquals("zen.spamhaus.org", Zone.zone(" Zen.Spamhaus.org. "));
        assertEquals(5353, Dnsbl.nameserver("127.0.0.1:5353").getPort());
        assertEquals(53, Dnsbl.nameserver("[::1]").getPort());
        assertEquals(5300, Dnsbl.nameserver("[::1]:5300").getPort());
    }

    @Test
    public void namesAreLookedUpReversedOrAsDomains() throws Exception {
        assertEquals("4.3.2.1", Dnsbl.reversed(ip("1.2.3.4")));
        assertEquals("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4",
                Dnsbl.reversed(ip("4321:0:1:2:3:4:567:89ab"))); // RFC 5782 2.4's example
        PolicyFacts facts = new PolicyFacts();
        facts.clientAddress = "192.0.2.99";
        facts.heloName = "[192.0.2.99]";
        facts.sender = "Someone@Spam.Example.";
        assertEquals("99.2.0.192", Dnsbl.query(Zone.Target.CLIENT, facts));
        assertNull("an address literal has no name", Dnsbl.query(Zone.Target.HELO_NAME, facts));
        assertEquals("spam.example", Dnsbl.query(Zone.Target.SENDER_DOMAIN, facts));
        facts.sender = "";
        assertNull(Dnsbl.query(Zone.Target.SENDER_DOMAIN, facts));
    }

    @Test
    public void theReasonIsTheFirstTxtRecordMadePrintable() throws Exception {
        Name name = Name.fromString("2.0.0.127.bl.test.");
        assertEquals("listed: see https://bl.test/?127.0.0.2",
                Dnsbl.reason(List.of(new TXTRecord(name, 1, 60, "listed: see https://bl.test/?127.0.0.2"))));
        assertEquals("a b", Dnsbl.reason(List.of(new TXTRecord(name, 1, 60, "a\nb"))));
        assertNull(Dnsbl.reason(List.of()));
        assertTrue(Dnsbl.reason(List.of(new TXTRecord(name, 1, 60, List.of("x".repeat(150), "y".repeat(150))))).length() == 200);
    }
}
