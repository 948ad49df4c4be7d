package smtp.delivery.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** MX routing against a real DNS server (dnsmasq on loopback) holding the test's records. */
public class RoutesTest {

    @ClassRule
    public static TemporaryFolder folder = new TemporaryFolder();

    private static Dnsmasq dns;

    @BeforeClass
    public static void startDns() throws Exception {
        dns = new Dnsmasq(folder.newFile("dnsmasq.log"),
                "--mx-host=mx.test,mx2.mx.test,20", "--mx-host=mx.test,mx1.mx.test,10",
                "--host-record=mx1.mx.test,127.0.0.11", "--host-record=mx2.mx.test,127.0.0.12",
                "--dns-rr=nullmx.test,15,000000",
                "--host-record=implicit.test,127.0.0.13",
                "--mx-host=dangling.test,nowhere.dangling.test,10");
    }

    @AfterClass
    public static void stopDns() throws Exception {
        dns.close();
    }

    private static List<String> addresses(List<Routes.Hop> hops) {
        return hops.stream().map(hop -> hop.host() + "=" + hop.address().getAddress().getHostAddress() + ":"
                + hop.address().getPort()).toList();
    }

    @Test
    public void mxHostsInOrderOfPreference() throws Exception {
        Routes routes = new Routes("", dns.address(), 2525);
        assertEquals(List.of("mx1.mx.test=127.0.0.11:2525", "mx2.mx.test=127.0.0.12:2525"), addresses(routes.hops("mx.test")));
    }

    @Test
    public void withoutMxTheDomainsOwnAddress() throws Exception {
        assertEquals(List.of("implicit.test=127.0.0.13:25"), addresses(new Routes("", dns.address(), 25).hops("implicit.test")));
    }

    @Test
    public void aNullMxAndAMissingDomainFailForGood() {
        Routes routes = new Routes("", dns.address(), 25);
        Routes.RouteException nullMx = assertThrows(Routes.RouteException.class, () -> routes.hops("nullmx.test"));
        assertTrue(nullMx.permanent);
        assertTrue(nullMx.getMessage(), nullMx.getMessage().contains("null MX"));
        Routes.RouteException missing = assertThrows(Routes.RouteException.class, () -> routes.hops("nosuchdomain.test"));
        assertTrue(missing.getMessage(), missing.permanent);
    }

    @Test
    public void mxHostsWithoutAddressesDefer() {
        Routes.RouteException e = assertThrows(Routes.RouteException.class,
                () -> new Routes("", dns.address(), 25).hops("dangling.test"));
        assertEquals(false, e.permanent);
    }

    @Test
    public void aNextHopIsAnAddressAndPortWithoutLookup() throws Exception {
        Routes.Hop v4 = Routes.nextHop("203.0.113.25:25");
        assertEquals(new java.net.InetSocketAddress("203.0.113.25", 25), v4.address());
        assertEquals(false, v4.smarthost());
        assertEquals(new java.net.InetSocketAddress("2001:db8::25", 2525), Routes.nextHop("[2001:db8::25]:2525").address());
        Routes.RouteException bad = assertThrows(Routes.RouteException.class, () -> Routes.nextHop("nowhere"));
        assertTrue(bad.permanent);
    }

    @Test
    public void aSmarthostTakesEverything() throws Exception {
        assertEquals(List.of("127.0.0.1=127.0.0.1:2626"), addresses(new Routes("127.0.0.1:2626", "", 25).hops("any.test")));
        assertEquals(List.of("::1=0:0:0:0:0:0:0:1:587"), addresses(new Routes("[::1]:587", "", 25).hops("any.test")));
    }
}
