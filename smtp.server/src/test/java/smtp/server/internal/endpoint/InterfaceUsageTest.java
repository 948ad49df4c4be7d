package smtp.server.internal.endpoint;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;

import org.junit.Test;

import smtp.server.internal.net.IpLiterals;
import smtp.server.internal.session.Usage;

public class InterfaceUsageTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    public void defaultsFollowTheAddressRanges() throws Exception {
        for (String internal : new String[] {"127.0.0.1", "127.9.9.9", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.254",
                "192.168.1.1", "169.254.3.4", "fe80::1", "fd00::2", "fc12::1"}) {
            assertEquals(internal, Usage.INTERNAL, InterfaceUsage.defaultUsage(ip(internal)));
        }
        for (String external : new String[] {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.0.2.1", "100.64.0.1",
                "2001:db8::1", "2a00:1450::1"}) {
            assertEquals(external, Usage.EXTERNAL, InterfaceUsage.defaultUsage(ip(external)));
        }
    }

    @Test
    public void rulesMatchByNameAddressAndNetworkFirstMatchWins() throws Exception {
        InterfaceUsage usage = new InterfaceUsage(new String[] {"eth1=external", "10.0.0.5=external", "192.0.2.0/24=internal",
                "fd00::/8=external", " vlan.100 = INTERNAL "});
        assertEquals(Usage.EXTERNAL, usage.usageOf("eth1", ip("192.168.1.1")));
        assertEquals(Usage.EXTERNAL, usage.usageOf("eth0", ip("10.0.0.5")));
        assertEquals(Usage.INTERNAL, usage.usageOf("eth0", ip("10.0.0.6")));
        assertEquals(Usage.INTERNAL, usage.usageOf("eth0", ip("192.0.2.77")));
        assertEquals(Usage.EXTERNAL, usage.usageOf("eth0", ip("192.0.3.1")));
        assertEquals(Usage.EXTERNAL, usage.usageOf("eth0", ip("fd00::2")));
        assertEquals(Usage.INTERNAL, usage.usageOf("vlan.100", ip("8.8.8.8")));
        assertEquals(Usage.INTERNAL, new InterfaceUsage(new String[] {"0.0.0.0/0=internal"}).usageOf("x", ip("8.8.4.4")));
    }

    @Test
    public void badRulesAreRefusedNamingTheRule() {
        for (String bad : new String[] {"eth0", "=internal", "eth0=sometimes", "10.0.0.0/33=external", "10.0.0.0/x=external",
                "foo/24=external"}) {
            IllegalArgumentException e = assertThrows(bad, IllegalArgumentException.class,
                    () -> new InterfaceUsage(new String[] {bad}));
            assertTrue(e.getMessage(), e.getMessage().contains(bad.substring(bad.indexOf('=') + 1)) || e.getMessage().contains(bad));
        }
    }

    @Test
    public void literalsAreToldFromHostNames() {
        assertTrue(IpLiterals.isLiteral("127.0.0.1"));
        assertTrue(IpLiterals.isLiteral("::1"));
        assertTrue(IpLiterals.isLiteral("fe80::1%eth0"));
        assertEquals(false, IpLiterals.isLiteral("localhost"));
        assertEquals(false, IpLiterals.isLiteral("256.1.1.1"));
        assertEquals(false, IpLiterals.isLiteral("eth0"));
    }
}
