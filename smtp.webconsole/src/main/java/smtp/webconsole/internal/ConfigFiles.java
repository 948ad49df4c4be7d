package smtp.webconsole.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Sets one boolean property in a File Install configuration file: the
 * {@code .config} format ({@code key=B"true"}) or the properties format of
 * {@code .cfg} ({@code key=true}). Other lines and comments stay as they are.
 * The new content goes to a temporary file that is then renamed over the old
 * one, so a reader sees either the old file or the new one.
 */
final class ConfigFiles {

    private ConfigFiles() {}

    static void set(Path file, String key, boolean value) throws IOException {
        Pattern line = Pattern.compile("\\s*" + Pattern.quote(key) + "\\s*[=:].*");
        List<String> lines = new ArrayList<>();
        for (String existing : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            if (!line.matcher(existing).matches()) {
                lines.add(existing);
            }
        }
        lines.add(key + "=" + (file.getFileName().toString().endsWith(".cfg") ? String.valueOf(value) : "B\"" + value + "\""));
        Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.write(temporary, lines, StandardCharsets.ISO_8859_1);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
