package smtp.server.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

public class AuthPolicyTest {

    @Test
    public void theDelayDoublesPerFailureUpToTheMaximumAndIsForgotten() {
        AtomicLong now = new AtomicLong(1_000_000);
        AuthFailures failures = new AuthFailures(500, 3000, now::get);
        assertEquals(500, failures.failed("192.0.2.1"));
        assertEquals(1000, failures.failed("192.0.2.1"));
        assertEquals(2000, failures.failed("192.0.2.1"));
        assertEquals(3000, failures.failed("192.0.2.1"));
        assertEquals(3000, failures.failed("192.0.2.1"));
        assertEquals("another client starts afresh", 500, failures.failed("192.0.2.2"));
        now.addAndGet(AuthFailures.WINDOW_MILLIS + 1);
        assertEquals("forgotten after a quiet window", 500, failures.failed("192.0.2.1"));
        failures.failed("192.0.2.1");
        failures.succeeded("192.0.2.1");
        assertEquals(500, failures.failed("192.0.2.1"));
    }

    @Test
    public void hashesVerifyAndAreSalted() {
        String hash = PasswordHash.hash("correct horse".toCharArray());
        assertTrue(hash, hash.startsWith("$pbkdf2-sha256$310000$"));
        assertTrue(PasswordHash.matches(hash, "correct horse".toCharArray()));
        assertFalse(PasswordHash.matches(hash, "correct horsf".toCharArray()));
        assertFalse("salted", hash.equals(PasswordHash.hash("correct horse".toCharArray())));
    }

    @Test
    public void aHashMadeByPythonHashlibVerifies() throws Exception {
        Process python = new ProcessBuilder("python3", "-c", "import hashlib,os,base64\n"
                + "s=os.urandom(16)\n"
                + "print('$pbkdf2-sha256$100000$'+base64.b64encode(s).decode()+'$'"
                + "+base64.b64encode(hashlib.pbkdf2_hmac('sha256', b'p\\xc3\\xa4ss', s, 100000)).decode())").start();
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        String hash = new String(python.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertTrue(hash, PasswordHash.matches(hash, "p\u00e4ss".toCharArray()));
    }

    @Test
    public void usersFileLinesAreCheckedWithTheirNumber() {
        String hash = PasswordHash.hash("pw".toCharArray());
        Map<String, String> users = UsersFile.parse(List.of("# users", "", "alice:" + hash, " bob : " + hash));
        assertEquals(2, users.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UsersFile.parse(List.of("alice:" + hash, "bob:plaintext")));
        assertTrue(e.getMessage(), e.getMessage().startsWith("line 2: "));
        assertThrows(IllegalArgumentException.class, () -> UsersFile.parse(List.of("no colon here")));
        assertThrows("too few iterations", IllegalArgumentException.class,
                () -> UsersFile.parse(List.of("carol:$pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")));
    }

    @Test
    public void networksContainTheirAddresses() throws Exception {
        Network network = Network.parse("192.0.2.0/25");
        assertTrue(network.contains(InetAddress.getByName("192.0.2.127")));
        assertFalse(network.contains(InetAddress.getByName("192.0.2.128")));
        assertFalse(network.contains(InetAddress.getByName("::1")));
        assertTrue(Network.parse("::1").contains(InetAddress.getByName("::1")));
        assertThrows(IllegalArgumentException.class, () -> Network.parse("mail.example.org/24"));
    }
}
