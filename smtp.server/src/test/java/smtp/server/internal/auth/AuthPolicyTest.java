package smtp.server.internal.auth;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.Test;

import smtp.server.internal.net.Network;

public class AuthPolicyTest {

    private static final String RIGHT = "right";

    private static AuthGate.Result attempt(AuthGate gate, String address, String password) throws InterruptedException {
        return gate.attempt(address, () -> RIGHT.equals(password) ? "alice" : null);
    }

    @Test
    public void theDelayDoublesPerFailureUpToTheMaximumAndIsForgotten() throws InterruptedException {
        AtomicLong now = new AtomicLong(1_000_000);
        AuthGate gate = new AuthGate(new AuthGate.Policy(500, 3000, 1, 1000), now::get);
        long[] expected = {500, 1000, 2000, 3000, 3000};
        for (int i = 0; i < expected.length; i++) {
            AuthGate.Result result = attempt(gate, "192.0.2.1", "wrong");
            assertEquals(AuthGate.Outcome.REFUSED, result.outcome());
            assertEquals(i + 1, result.failures());
            assertEquals(expected[i], gate.delay(result.failures()));
            now.addAndGet(3000); // the wait is over before the next attempt
        }
        assertEquals("another client starts afresh", 1, attempt(gate, "192.0.2.2", "wrong").failures());
        now.addAndGet(AuthGate.WINDOW_MILLIS + 1);
        assertEquals("forgotten after a quiet window", 1, attempt(gate, "192.0.2.1", "wrong").failures());
        now.addAndGet(3000);
        AuthGate.Result accepted = attempt(gate, "192.0.2.1", RIGHT);
        assertEquals(AuthGate.Outcome.ACCEPTED, accepted.outcome());
        assertEquals("alice", accepted.name());
        assertEquals("a success clears the failures", 1, attempt(gate, "192.0.2.1", "wrong").failures());
    }

    @Test
    public void aFailedAddressWaitsBeforeItsNextCheck() throws InterruptedException {
        AuthGate gate = new AuthGate(new AuthGate.Policy(300, 300, 1, 1000), System::currentTimeMillis);
        attempt(gate, "192.0.2.1", "wrong");
        long start = System.nanoTime();
        assertEquals(AuthGate.Outcome.ACCEPTED, attempt(gate, "192.0.2.1", RIGHT).outcome());
        assertTrue("waited", System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250));
    }

    @Test
    public void whenAllChecksAreTakenTheAttemptIsToldToTryLater() throws Exception {
        AuthGate gate = new AuthGate(new AuthGate.Policy(0, 0, 1, 100), System::currentTimeMillis);
        CountDownLatch checking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread slow = new Thread(() -> {
            try {
                gate.attempt("192.0.2.1", () -> {
                    checking.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "alice";
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        slow.start();
        try {
            assertTrue(checking.await(10, TimeUnit.SECONDS));
            assertEquals("no check free", AuthGate.Outcome.BUSY, attempt(gate, "192.0.2.9", RIGHT).outcome());
            assertEquals("the address has its check running", AuthGate.Outcome.BUSY,
                    attempt(gate, "192.0.2.1", RIGHT).outcome());
        } finally {
            release.countDown();
            slow.join(10_000);
        }
        assertEquals(AuthGate.Outcome.ACCEPTED, attempt(gate, "192.0.2.9", RIGHT).outcome());
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
