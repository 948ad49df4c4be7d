package smtp.senderauth.internal;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.Test;

import smtp.senderauth.internal.Dkim.Verdict;

public class DmarcTest {

    private static final Spf.Outcome SPF_NONE = new Spf.Outcome(Spf.Result.NONE, "far.test", "x@far.test", null);

    private static PublicSuffixes suffixes() throws Exception {
        Path file = Files.createTempFile("psl", ".dat");
        Files.writeString(file, "// a few rules of the Public Suffix List\ncom\nuk\nco.uk\n*.ck\n!www.ck\n");
        return PublicSuffixes.read(file);
    }

    @Test
    public void organizationalDomainsFollowTheList() throws Exception {
        PublicSuffixes list = suffixes();
        assertEquals("example.com", list.organizational("mail.example.com"));
        assertEquals("example.co.uk", list.organizational("a.b.example.co.uk"));
        assertEquals("foo.bar.ck", list.organizational("x.foo.bar.ck"));
        assertEquals("www.ck", list.organizational("a.www.ck"));
        assertEquals("without a list: the last two labels (wrong for co.uk: hence the list)", "co.uk",
                PublicSuffixes.read(null).organizational("x.example.co.uk"));
    }

    @Test
    public void anAlignedPassPassesAndAFailureGetsThePolicyOfTheDomainOrItsOrganization() throws Exception {
        MapDns dns = new MapDns().add("TXT", "_dmarc.bank.example.com", "v=DMARC1; p=reject; adkim=s")
                .add("TXT", "_dmarc.example.com", "v=DMARC1; p=none; sp=quarantine");
        Dmarc dmarc = new Dmarc(dns, suffixes(), () -> 0);
        Verdict bankSigned = new Verdict(Dkim.Result.PASS, "bank.example.com", "s", null);
        Verdict parentSigned = new Verdict(Dkim.Result.PASS, "example.com", "s", null);
        assertEquals(Dmarc.Result.PASS, dmarc.check("bank.example.com", SPF_NONE, List.of(bankSigned)).result());
        Dmarc.Verdict strict = dmarc.check("bank.example.com", SPF_NONE, List.of(parentSigned));
        assertEquals("adkim=s: the parent's signature does not align", Dmarc.Result.FAIL, strict.result());
        assertEquals("reject", strict.applied());
        assertEquals("relaxed alignment: the organization's signature aligns", Dmarc.Result.PASS,
                dmarc.check("shop.example.com", SPF_NONE, List.of(parentSigned)).result());
        Dmarc.Verdict sub = dmarc.check("shop.example.com", SPF_NONE, List.of());
        assertEquals("the organization's sp= for a subdomain", "quarantine", sub.applied());
        Spf.Outcome spfPass = new Spf.Outcome(Spf.Result.PASS, "mail.bank.example.com", "b@mail.bank.example.com", null);
        assertEquals("adkim=s leaves SPF relaxed", Dmarc.Result.PASS,
                dmarc.check("bank.example.com", spfPass, List.of()).result());
        assertEquals(Dmarc.Result.NONE, dmarc.check("other.test", SPF_NONE, List.of()).result());

        Dmarc sampled = new Dmarc(new MapDns().add("TXT", "_dmarc.half.test", "v=DMARC1; p=reject; pct=50"), suffixes(),
                () -> 70);
        assertEquals("outside pct=, the next policy down", "quarantine",
                sampled.check("half.test", SPF_NONE, List.of()).applied());

        MapDns down = new MapDns();
        down.failing.add("_dmarc.slow.test");
        assertEquals(Dmarc.Result.TEMPERROR, new Dmarc(down, suffixes(), () -> 0).check("slow.test", SPF_NONE, List.of())
                .result());
    }

    @Test
    public void theFromDomainIsThatOfTheSingleAddress() {
        assertEquals("bank.test", Dmarc.fromDomain(List.of("From: \"Doe, John\" <john@Bank.test>\r\n")));
        assertEquals("bank.test", Dmarc.fromDomain(List.of("From: john@bank.test\r\n")));
        assertEquals(null, Dmarc.fromDomain(List.of("From: a@one.test, b@two.test\r\n")));
        assertEquals(null, Dmarc.fromDomain(List.of("From: a@one.test\r\n", "From: b@two.test\r\n")));
        assertEquals(null, Dmarc.fromDomain(List.of("To: a@one.test\r\n")));
    }
}
