package smtp.server.internal.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.Authenticator;

/**
 * The users file ({@value #PID}): one {@code user:hash} line per user,
 * {@code #} comments and blank lines allowed, hashes as written by
 * {@link PasswordHash}. The file is checked for changes and reloaded; a file
 * that cannot be read keeps the previous users.
 */
@Component(configurationPid = UsersFile.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = Authenticator.class, immediate = true)
@Designate(ocd = UsersFileConfiguration.class)
public final class UsersFile implements Authenticator {

    static final String PID = "smtp.auth.users";
    private static final Logger LOG = LoggerFactory.getLogger(UsersFile.class);
    /** Compared against when the user is unknown, so that unknown users take as long as wrong passwords. */
    private static final String DUMMY = PasswordHash.hash("not a password".toCharArray());

    private final Path file;
    private volatile Map<String, String> users;
    private byte[] digest;
    private final ScheduledExecutorService watcher;

    @Activate
    public UsersFile(UsersFileConfiguration config) {
        this.file = Paths.get(config.file()).toAbsolutePath();
        try {
            this.digest = digest(Files.readAllBytes(file));
            this.users = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("SMTP AUTH users file not used: {}. Fix the file or the {} configuration.", e.getMessage(), PID);
            throw new IllegalArgumentException("users file " + file + ": " + e.getMessage(), e);
        }
        LOG.info("SMTP AUTH: {} user(s) from {}", users.size(), file);
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "smtp-auth-users-watch");
            thread.setDaemon(true);
            return thread;
        });
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, config.reloadInterval(), config.reloadInterval(), TimeUnit.SECONDS);
    }

    @Deactivate
    void stop() {
        watcher.shutdownNow();
    }

    @Override
    public String authenticate(String user, char[] password) {
        String hash = users.get(user);
        boolean matches = PasswordHash.matches(hash == null ? DUMMY : hash, password);
        return hash != null && matches ? user : null;
    }

    synchronized void reloadIfChanged() {
        try {
            byte[] content = Files.readAllBytes(file);
            byte[] now = digest(content);
            if (MessageDigest.isEqual(now, digest)) {
                return;
            }
            digest = now;
            users = parse(new String(content, StandardCharsets.UTF_8).lines().toList());
            LOG.info("SMTP AUTH users file reloaded: {} user(s)", users.size());
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("SMTP AUTH users file {} cannot be loaded ({}); keeping the previous {} user(s)", file, e.getMessage(),
                    users.size());
        }
    }

    /** @throws IllegalArgumentException naming the bad line */
    static Map<String, String> parse(List<String> lines) {
        Map<String, String> users = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not user:hash");
            }
            String hash = line.substring(colon + 1).strip();
            try {
                PasswordHash.check(hash);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage());
            }
            users.put(line.substring(0, colon), hash);
        }
        return users;
    }

    private static byte[] digest(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
