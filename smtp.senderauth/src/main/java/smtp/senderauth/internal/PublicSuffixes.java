package smtp.senderauth.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The Public Suffix List (publicsuffix.org, the file Debian's publicsuffix
 * package installs), for the organizational domain of DMARC (RFC 7489 3.2):
 * the public suffix and one label more. Without a list, the last two labels.
 */
final class PublicSuffixes {

    private final Set<String> rules = new HashSet<>();
    private final Set<String> wildcards = new HashSet<>();
    private final Set<String> exceptions = new HashSet<>();

    /** @return the list in the file, or an empty one (last two labels) when there is no file */
    static PublicSuffixes read(Path file) throws IOException {
        PublicSuffixes list = new PublicSuffixes();
        if (file == null || !Files.isRegularFile(file)) {
            return list;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String rule = line.strip().toLowerCase(Locale.ROOT);
            if (rule.isEmpty() || rule.startsWith("//")) {
                continue;
            }
            rule = rule.split("\\s")[0];
            if (rule.startsWith("!")) {
                list.exceptions.add(rule.substring(1));
            } else if (rule.startsWith("*.")) {
                list.wildcards.add(rule.substring(2));
            } else {
                list.rules.add(rule);
            }
        }
        return list;
    }

    boolean empty() {
        return rules.isEmpty() && wildcards.isEmpty();
    }

    /** @return the organizational domain: the public suffix and one more label (the domain itself if it is less) */
    String organizational(String domain) {
        String name = domain.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        String[] labels = name.split("\\.");
        int suffixLabels = 1; // the default rule "*"
        if (!empty()) {
            for (int i = 0; i < labels.length; i++) {
                String candidate = String.join(".", java.util.Arrays.copyOfRange(labels, i, labels.length));
                if (exceptions.contains(candidate)) {
                    suffixLabels = labels.length - i - 1;
                    break;
                }
                if (rules.contains(candidate)) {
                    suffixLabels = Math.max(suffixLabels, labels.length - i);
                }
                String parent = i + 1 < labels.length
                        ? String.join(".", java.util.Arrays.copyOfRange(labels, i + 1, labels.length)) : null;
                if (parent != null && wildcards.contains(parent)) {
                    suffixLabels = Math.max(suffixLabels, labels.length - i);
                }
            }
        }
        int keep = Math.min(labels.length, suffixLabels + 1);
        return String.join(".", java.util.Arrays.copyOfRange(labels, labels.length - keep, labels.length));
    }
}
