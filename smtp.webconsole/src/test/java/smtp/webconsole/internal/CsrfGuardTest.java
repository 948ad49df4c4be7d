package smtp.webconsole.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class CsrfGuardTest {

    private static final String SELF = "http://127.0.0.1:8080";
    private final CsrfGuard guard = new CsrfGuard();

    @Test
    public void theRightTokenFromThisOriginMayAct() {
        assertNull(guard.refusal(guard.token(), SELF, SELF + "/system/console/smtp", SELF));
        assertNull(guard.refusal(guard.token(), null, SELF + "/system/console/smtp", SELF));
        assertNull(guard.refusal(guard.token(), null, null, SELF));
    }

    @Test
    public void aMissingOrWrongTokenIsRefused() {
        assertTrue(guard.refusal(null, SELF, null, SELF).contains("no valid token"));
        assertTrue(guard.refusal("", SELF, null, SELF).contains("no valid token"));
        assertTrue(guard.refusal(new CsrfGuard().token(), SELF, null, SELF).contains("no valid token"));
    }

    @Test
    public void anotherSiteIsRefusedEvenWithTheToken() {
        assertEquals("the request came from another site (http://evil.example)",
                guard.refusal(guard.token(), "http://evil.example", null, SELF));
        assertEquals("the request came from another site (http://127.0.0.1:8080.evil.example/x)",
                guard.refusal(guard.token(), null, "http://127.0.0.1:8080.evil.example/x", SELF));
        assertTrue(guard.refusal(guard.token(), "http://127.0.0.1:9090", null, SELF).contains("another site"));
    }

    @Test
    public void tokensAreRandomPerStart() {
        assertEquals(64, guard.token().length());
        assertNotEquals(guard.token(), new CsrfGuard().token());
    }
}
