package smtp.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/** The example policy bundle in the framework: HELO names that cannot be true are refused, and the client may retry. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class HeloCheckIT extends SuiteSupport {

    @Test
    public void namesThatCannotBeTrueAreRefusedAndATrueOneIsTaken() throws Exception {
        configure("smtp.policy.helo", "ownNames", new String[] {"mx.itest"}, "smtp.policy.usage", new String[0]);
        int port = startListening(new String[] {"bob@example.org"});
        try (LogCapture log = new LogCapture()) {
            context.installBundle(suiteBundleLocation("smtp.policy.helo")).start();
            assertNotNull(log.awaitLine(TIMEOUT, "Policy plugin helo in use"));
        }
        try (SmtpClient client = SmtpClient.from("127.0.0.80", "127.0.0.1", port)) {
            assertEquals("550 5.7.1 You are not me: mx.itest is this server's name",
                    client.command("EHLO mx.itest").toString());
            assertEquals("550 5.7.1 HELO [127.0.0.81] is not your address [127.0.0.80]",
                    client.command("EHLO [127.0.0.81]").toString());
            assertEquals("550 5.7.1 HELO localhost is not a fully qualified domain name",
                    client.command("HELO localhost").toString());
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", client.command("MAIL FROM:<a@b.test>").toString());
            SmtpClient.expect(client.command("EHLO [127.0.0.80]"), 250);
            SmtpClient.expect(client.send("alice@client.test", java.util.List.of("bob@example.org"), MailFlowIT.MESSAGE),
                    250);
        }
    }
}
