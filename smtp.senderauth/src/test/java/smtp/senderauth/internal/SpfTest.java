package smtp.senderauth.internal;

import static org.junit.Assert.assertEquals;

import java.net.InetAddress;

import org.junit.Test;

import smtp.senderauth.internal.Spf.Result;

/** RFC 7208's own examples (Appendix A), the limits of 4.6.4, and the macros of section 7. */
public class SpfTest {

    /** The DNS of RFC 7208 Appendix A. */
    private static MapDns appendixA() {
        return new MapDns()
                .add("MX", "example.com", "mx.example.com", "mx2.example.com")
                .add("A", "example.com", "192.0.2.10", "192.0.2.11")
                .add("A", "amy.example.com", "192.0.2.65")
                .add("A", "bob.example.com", "192.0.2.66")
                .add("A", "mail-a.example.com", "192.0.2.129")
                .add("A", "mail-b.example.com", "192.0.2.130")
                .add("A", "mail-c.example.org", "192.0.2.140")
                .add("MX", "example.org", "mail-c.example.org")
                .add("A", "mx.example.com", "192.0.2.129")
                .add("A", "mx2.example.com", "192.0.2.130")
                .add("PTR", "192.0.2.10", "example.com")
                .add("PTR", "192.0.2.11", "example.com")
                .add("PTR", "192.0.2.65", "amy.example.com")
                .add("PTR", "192.0.2.66", "bob.example.com")
                .add("PTR", "192.0.2.129", "mail-a.example.com")
                .add("PTR", "192.0.2.130", "mail-b.example.com")
                .add("PTR", "192.0.2.140", "mail-c.example.org")
                .add("PTR", "10.0.0.4", "bob.example.com");
    }

    private static Result check(MapDns dns, String record, String ip) throws Exception {
        dns.records.put("TXT example.com", java.util.List.of(record));
        return new Spf(dns).check(InetAddress.getByName(ip), "user@example.com", "host.example.com").result();
    }

    @Test
    public void theExamplesOfAppendixA1() throws Exception {
        // "v=spf1 +all": any client passes
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 +all", "192.0.2.200"));
        // "v=spf1 a -all": hosts 192.0.2.10 and 192.0.2.11 are allowed
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 a -all", "192.0.2.10"));
        assertEquals(Result.FAIL, check(appendixA(), "v=spf1 a -all", "192.0.2.65"));
        // "v=spf1 a:example.org -all": no A record for example.org, so nobody
        assertEquals(Result.FAIL, check(appendixA(), "v=spf1 a:example.org -all", "192.0.2.10"));
        // "v=spf1 mx -all": 192.0.2.129 and 192.0.2.130
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 mx -all", "192.0.2.130"));
        assertEquals(Result.FAIL, check(appendixA(), "v=spf1 mx -all", "192.0.2.10"));
        // "v=spf1 mx:example.org -all": 192.0.2.140
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 mx:example.org -all", "192.0.2.140"));
        // "v=spf1 mx mx:example.org -all": both sets
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 mx mx:example.org -all", "192.0.2.129"));
        // "v=spf1 mx/30 mx:example.org/30 -all": the /30 around the MX hosts
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131"));
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.141"));
        // "v=spf1 ptr -all": hosts whose validated name is in example.com
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 ptr -all", "192.0.2.65"));
        assertEquals(Result.FAIL, check(appendixA(), "v=spf1 ptr -all", "192.0.2.140"));
        assertEquals("10.0.0.4's name does not resolve back to it", Result.FAIL,
                check(appendixA(), "v=spf1 ptr -all", "10.0.0.4"));
        // "v=spf1 ip4:192.0.2.128/28 -all": 192.0.2.128 to 192.0.2.143
        assertEquals(Result.PASS, check(appendixA(), "v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.140"));
        assertEquals(Result.FAIL, check(appendixA(), "v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65"));
    }

    @Test
    public void qualifiersRedirectIncludeAndTheRecordsThatCannotBe() throws Exception {
        MapDns dns = appendixA().add("TXT", "other.example.net", "v=spf1 ip4:198.51.100.0/24 ~all");
        assertEquals(Result.SOFTFAIL, check(dns, "v=spf1 redirect=other.example.net", "192.0.2.1"));
        assertEquals(Result.PASS, check(dns, "v=spf1 include:other.example.net -all", "198.51.100.7"));
        assertEquals(Result.FAIL, check(dns, "v=spf1 include:other.example.net -all", "192.0.2.1"));
        assertEquals(Result.NEUTRAL, check(dns, "v=spf1 ?all", "192.0.2.1"));
        assertEquals(Result.NEUTRAL, check(dns, "v=spf1 ip4:10.0.0.0/8", "192.0.2.1"));
        assertEquals(Result.PERMERROR, check(dns, "v=spf1 include:nothing.example.net -all", "192.0.2.1"));
        assertEquals(Result.PERMERROR, check(dns, "v=spf1 frobnicate -all", "192.0.2.1"));
        assertEquals(Result.PERMERROR, check(dns, "v=spf1 ip4:192.0.2.300 -all", "192.0.2.1"));
        dns.add("TXT", "two.example.net", "v=spf1 -all", "v=spf1 +all");
        assertEquals(Result.PERMERROR, new Spf(dns).check(InetAddress.getByName("192.0.2.1"), "a@two.example.net", "h")
                .result());
        assertEquals(Result.NONE, new Spf(dns).check(InetAddress.getByName("192.0.2.1"), "a@none.example.net", "h")
                .result());
        assertEquals("the null sender: the HELO name is checked", Result.PASS,
                new Spf(dns).check(InetAddress.getByName("198.51.100.9"), "", "other.example.net").result());
    }

    @Test
    public void anIncludeLoopAndTooManyVoidLookupsArePermanentErrorsAndASlowDnsATemporaryOne() throws Exception {
        MapDns dns = new MapDns().add("TXT", "loop-a.example", "v=spf1 include:loop-b.example -all")
                .add("TXT", "loop-b.example", "v=spf1 include:loop-a.example -all");
        Spf.Outcome loop = new Spf(dns).check(InetAddress.getByName("192.0.2.1"), "a@loop-a.example", "h");
        assertEquals(Result.PERMERROR, loop.result());
        assertEquals("more than 10 DNS lookups, RFC 7208 4.6.4", loop.reason());
        assertEquals("the first record and ten includes read, then it stopped", 11, dns.lookups);

        MapDns voids = new MapDns().add("TXT", "void.example",
                "v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example -all");
        assertEquals(Result.PERMERROR, new Spf(voids).check(InetAddress.getByName("192.0.2.1"), "a@void.example", "h")
                .result());

        MapDns slow = new MapDns();
        slow.failing.add("slow.example");
        assertEquals(Result.TEMPERROR, new Spf(slow).check(InetAddress.getByName("192.0.2.1"), "a@slow.example", "h")
                .result());
    }

    @Test
    public void macrosExpandAsSection7Says() throws Exception {
        // RFC 7208 7.4: sender strong-bad@email.example.com, client 192.0.2.3; %{l1r-} is "strong"
        MapDns dns = new MapDns().add("TXT", "email.example.com",
                "v=spf1 exists:%{ir}.%{v}.%{l1r-}.lp._spf.%{d2} -all")
                .add("A", "3.2.0.192.in-addr.strong.lp._spf.example.com", "127.0.0.2");
        assertEquals(Result.PASS, new Spf(dns).check(InetAddress.getByName("192.0.2.3"), "strong-bad@email.example.com",
                "h").result());
        MapDns v6 = new MapDns().add("TXT", "email.example.com", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all")
                .add("A", "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", "127.0.0.2");
        assertEquals(Result.PASS, new Spf(v6).check(InetAddress.getByName("2001:db8::cb01"), "strong-bad@email.example.com",
                "h").result());
    }
}
