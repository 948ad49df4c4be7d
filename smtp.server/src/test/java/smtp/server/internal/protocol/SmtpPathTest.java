package smtp.server.internal.protocol;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.junit.Test;

public class SmtpPathTest {

    @Test
    public void readsPathsAndParameters() {
        SmtpPath path = SmtpPath.parse("<alice@example.org> SIZE=100 BODY=8BITMIME", false);
        assertEquals("alice@example.org", path.address);
        assertEquals("SIZE=100 BODY=8BITMIME", path.parameters);
        assertEquals("", SmtpPath.parse("<>", false).address);
        assertEquals("bob@example.org", SmtpPath.parse(" bob@example.org", false).address);
        assertEquals("bob@example.org", SmtpPath.parse("<@relay.example:bob@example.org>", false).address);
        assertEquals("\"john doe\"@example.org", SmtpPath.parse("<\"john doe\"@example.org>", false).address);
        assertEquals("x@[192.0.2.1]", SmtpPath.parse("<x@[192.0.2.1]>", false).address);
        assertEquals("o'brien+tag/x@mail-1.x-y.example.org",
                SmtpPath.parse("<o'brien+tag/x@mail-1.x-y.example.org>", false).address);
        assertEquals("x@[IPv6:2001:db8::1]", SmtpPath.parse("<x@[IPv6:2001:db8::1]>", false).address);
    }

    @Test
    public void quotedLocalPartsMayHoldBracketsAndEscapedQuotes() {
        SmtpPath path = SmtpPath.parse("<\"a>b \\\"c\\\"\"@client.test> NOTIFY=NEVER", false);
        assertEquals("\"a>b \\\"c\\\"\"@client.test", path.address);
        assertEquals("NOTIFY=NEVER", path.parameters);
    }

    @Test
    public void refusesWhatIsNotAPath() {
        for (String bad : new String[] {"", " ", "<alice@example.org", "<alice@>", "<@example.org>", "<a b@example.org>",
                "<alice@exa mple.org>", "<alice@example.org>SIZE=1", "<alice@-example.org>", "<a..b@example.org>",
                "<" + "x".repeat(65) + "@example.org>", "<x@" + "a".repeat(250) + ".org>", "<al\u0001ice@example.org>",
                "<\"al\u0001ice\"@example.org>", "<alice@ex\u001bample.org>", "<alice@example-.org>", "<alice@example.org.>",
                "<alice@exa_mple.org>", "<alice@.example.org>", "<.alice@example.org>", "<alice.@example.org>",
                "<alice@example..org>"}) {
            SmtpPath path = SmtpPath.parse(bad, true);
            assertNull(bad, path.address);
            assertEquals(bad, SmtpPath.Problem.SYNTAX, path.problem);
        }
    }

    @Test
    public void utf8NeedsSmtputf8() {
        assertEquals(SmtpPath.Problem.NEEDS_SMTPUTF8, SmtpPath.parse("<jörg@example.org>", false).problem);
        assertEquals("jörg@example.org", SmtpPath.parse("<jörg@example.org>", true).address);
        assertEquals("用户@例子.广告", SmtpPath.parse("<用户@例子.广告>", true).address);
        assertEquals("\"ö ü\"@bücher.example", SmtpPath.parse("<\"ö ü\"@bücher.example>", true).address);
        assertEquals("a UTF-8 local part is still 64 octets at most", SmtpPath.Problem.SYNTAX,
                SmtpPath.parse("<" + "ö".repeat(33) + "@example.org>", true).problem);
    }
}
