package smtp.server.internal.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted, slow password hashes: PBKDF2 with HMAC-SHA256, written as
 * {@code $pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>}. The
 * iteration count is part of each hash, so it can be raised for new ones.
 */
final class PasswordHash {

    static final int ITERATIONS = 310_000;
    private static final String PREFIX = "$pbkdf2-sha256$";
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {}

    static String hash(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        Base64.Encoder base64 = Base64.getEncoder();
        return PREFIX + ITERATIONS + "$" + base64.encodeToString(salt) + "$"
                + base64.encodeToString(derive(password, salt, ITERATIONS));
    }

    /** @throws IllegalArgumentException if the text is not a hash of this kind */
    static void check(String encoded) {
        parse(encoded);
    }

    /** @return true if the password matches; compares in constant time */
    static boolean matches(String encoded, char[] password) {
        Object[] parts = parse(encoded);
        byte[] expected = (byte[]) parts[2];
        return MessageDigest.isEqual(expected, derive(password, (byte[]) parts[1], (Integer) parts[0]));
    }

    private static Object[] parse(String encoded) {
        if (!encoded.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a " + PREFIX + " hash");
        }
        String[] parts = encoded.substring(PREFIX.length()).split("\\$");
        try {
            int iterations = Integer.parseInt(parts[0]);
            byte[] salt = Base64.getDecoder().decode(parts[1]);
            byte[] hash = Base64.getDecoder().decode(parts[2]);
            if (parts.length != 3 || iterations < 1000 || salt.length < 8 || hash.length < 16) {
                throw new IllegalArgumentException("weak or malformed hash");
            }
            return new Object[] {iterations, salt, hash};
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed " + PREFIX + " hash: " + e.getMessage());
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }
}
