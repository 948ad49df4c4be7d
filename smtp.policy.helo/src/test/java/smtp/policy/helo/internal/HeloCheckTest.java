package smtp.policy.helo.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.lang.annotation.Annotation;

import org.junit.Test;

import smtp.server.spi.PolicyFacts;

public class HeloCheckTest {

    private static HeloCheck check(boolean bare, boolean literal, boolean dot, String... own) {
        HeloCheck check = new HeloCheck();
        check.configure(new HeloConfiguration() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return HeloConfiguration.class;
            }

            @Override
            public String[] ownNames() {
                return own;
            }

            @Override
            public boolean refuseBareAddress() {
                return bare;
            }

            @Override
            public boolean literalMustMatch() {
                return literal;
            }

            @Override
            public boolean requireDot() {
                return dot;
            }

            @Override
            public String[] smtp_policy_usage() {
                return new String[0];
            }
        });
        return check;
    }

    private static PolicyFacts facts() {
        PolicyFacts facts = new PolicyFacts();
        facts.clientAddress = "192.0.2.10";
        facts.localAddress = "198.51.100.25";
        return facts;
    }

    @Test
    public void namesThatCannotBeTrueAreRefusedSayingWhy() {
        HeloCheck check = check(true, true, true, "mx.example.org");
        assertEquals("You are not me: MX.example.org. is this server's name", check.refusal("MX.example.org.", facts()));
        assertEquals("You are not me: [198.51.100.25] is this server's address", check.refusal("[198.51.100.25]", facts()));
        assertEquals("HELO [192.0.2.99] is not your address [192.0.2.10]", check.refusal("[192.0.2.99]", facts()));
        assertEquals("HELO 192.0.2.10 is an address: give it in brackets, [192.0.2.10], or give your name",
                check.refusal("192.0.2.10", facts()));
        assertEquals("HELO localhost is not a fully qualified domain name", check.refusal("localhost", facts()));
    }

    @Test
    public void truthfulNamesPassAndEachCheckCanBeSwitchedOff() {
        HeloCheck check = check(true, true, true);
        assertNull(check.refusal("client.example.net", facts()));
        assertNull(check.refusal("[192.0.2.10]", facts()));
        PolicyFacts six = facts();
        six.clientAddress = "2001:db8::10";
        assertNull(check.refusal("[IPv6:2001:db8:0::10]", six));
        HeloCheck lenient = check(false, false, false);
        assertNull(lenient.refusal("192.0.2.10", facts()));
        assertNull(lenient.refusal("[192.0.2.99]", facts()));
        assertNull(lenient.refusal("localhost", facts()));
    }
}
