package smtp.server.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.junit.Test;

public class SmtpPathTest {

    @Test
    public void readsPathsAndParameters() {
        SmtpPath path = SmtpPath.parse("<alice@example.org> SIZE=100 BODY=8BITMIME");
        assertEquals("alice@example.org", path.address);
        assertEquals("SIZE=100 BODY=8BITMIME", path.parameters);
        assertEquals("", SmtpPath.parse("<>").address);
        assertEquals("bob@example.org", SmtpPath.parse(" bob@example.org").address);
        assertEquals("bob@example.org", SmtpPath.parse("<@relay.example:bob@example.org>").address);
        assertEquals("\"john doe\"@example.org", SmtpPath.parse("<\"john doe\"@example.org>").address);
        assertEquals("x@[192.0.2.1]", SmtpPath.parse("<x@[192.0.2.1]>").address);
    }

    @Test
    public void refusesWhatIsNotAPath() {
        for (String bad : new String[] {"<alice@example.org", "<alice>", "<@example.org>", "<alice@>", "<a b@example.org>",
                "<alice@exa mple.org>", "<alice@example.org>SIZE=1", "<alice@-example.org>", "<a..b@example.org>",
                "<" + "x".repeat(65) + "@example.org>", "<x@" + "a".repeat(250) + ".org>", "<al\u0001ice@example.org>"}) {
            assertNull(bad, SmtpPath.parse(bad));
        }
    }
}
