package smtp.delivery.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import smtp.delivery.api.RecipientStatus;

/**
 * The local domains and their mailboxes: one Maildir per mailbox at
 * {@code <root>/<domain>/<local part>/}, with the local part in lower case.
 */
final class Mailboxes {

    /** Local parts that are safe as a directory name. */
    /** Dot-atoms of ASCII atext but '/', and of letters, marks and digits in any script (RFC 6531). */
    private static final Pattern LOCAL_PART = Pattern.compile(
            "[\\p{L}\\p{M}\\p{N}a-z0-9!#$%&'*+=?^_`{|}~\\-]+(\\.[\\p{L}\\p{M}\\p{N}a-z0-9!#$%&'*+=?^_`{|}~\\-]+)*");
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final String POSTMASTER = "postmaster";

    /** The most addresses whose Maildir {@link #pathOf} keeps, worked out once instead of at every RCPT and delivery. */
    static final int PATHS_KEPT = 4096;
    /** Kept for an address whose local part cannot name a Maildir. */
    private static final Path NO_MAILDIR = Path.of("");

    private final Path root;
    private final Map<String, Path> paths = new ConcurrentHashMap<>();
    private final Set<String> localDomains = new TreeSet<>();
    private String primary;

    Mailboxes(Path root, String[] localDomains) throws IOException {
        this.root = Files.createDirectories(root);
        for (String domain : localDomains) {
            String normal = Addresses.domain("postmaster@" + domain.trim());
            if (!DOMAIN.matcher(normal).matches()) {
                throw new IllegalArgumentException("local domain '" + domain + "' is not a domain name; fix localDomains of "
                        + DeliveryService.PID);
            }
            this.localDomains.add(normal);
            if (primary == null) {
                primary = normal;
            }
        }
    }

    /** @return postmaster of the first local domain, or null when there is none */
    String postmaster() {
        return primary == null ? null : POSTMASTER + "@" + primary;
    }

    Set<String> localDomains() {
        return localDomains;
    }

    /** Creates the Maildir of a configured mailbox address. */
    void create(String address) throws IOException {
        if (status(address) == RecipientStatus.REMOTE || !Addresses.isValid(address)) {
            throw new IllegalArgumentException("mailbox '" + address + "' is not an address in a local domain "
                    + localDomains + "; fix mailboxes of " + DeliveryService.PID);
        }
        Path mailbox = pathOf(address);
        if (mailbox == null) {
            throw new IllegalArgumentException("mailbox '" + address + "' has a local part that cannot name a Maildir");
        }
        Maildir.create(mailbox);
    }

    RecipientStatus status(String address) {
        if (!Addresses.isValid(address)) {
            return RecipientStatus.UNKNOWN;
        }
        if (!localDomains.contains(Addresses.domain(address))) {
            return RecipientStatus.REMOTE;
        }
        Path mailbox = pathOf(address);
        if (mailbox == null) {
            return RecipientStatus.UNKNOWN;
        }
        return Files.isDirectory(mailbox) || mailbox.getFileName().toString().equals(POSTMASTER)
                ? RecipientStatus.LOCAL : RecipientStatus.UNKNOWN;
    }

    /** @return the Maildir of a local address, or null if its local part cannot name one */
    Path pathOf(String address) {
        Path path = paths.get(address);
        if (path == null) {
            path = Objects.requireNonNullElse(maildirOf(address), NO_MAILDIR);
            if (paths.size() >= PATHS_KEPT) { // addresses are the clients' to choose: the map stays small
                paths.clear();
            }
            paths.put(address, path);
        }
        return path == NO_MAILDIR ? null : path;
    }

    /** @return how many addresses {@link #pathOf} keeps now */
    int pathsKept() {
        return paths.size();
    }

    private Path maildirOf(String address) {
        // one folder whatever the Unicode form the client used (composed or not)
        String local = Normalizer.normalize(Addresses.localPart(address), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        if (!LOCAL_PART.matcher(local).matches()) {
            return null;
        }
        return root.resolve(Addresses.domain(address)).resolve(local);
    }
}
