package smtp.server.internal.listener;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class BindingFailuresTest {

    @Test
    public void theBindingsReasonIsTakenFromTheStackTrace() {
        String failure = "org.osgi.service.component.ComponentException: java.lang.IllegalArgumentException: bad "
                + "smtp.server.binding configuration: port 0 is out of range; use 1 to 65535 in smtp.server.binding\n"
                + "\tat org.apache.felix.scr...\n";
        assertEquals("port 0 is out of range; use 1 to 65535 in smtp.server.binding", BindingFailures.reason(failure));
        assertEquals("java.lang.IllegalStateException: boom", BindingFailures.reason("java.lang.IllegalStateException: boom\n\tat x"));
        assertEquals("the configuration was not accepted", BindingFailures.reason(null));
    }
}
