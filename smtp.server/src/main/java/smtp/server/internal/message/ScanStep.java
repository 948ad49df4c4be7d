package smtp.server.internal.message;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.Envelope;

/**
 * The files of the end-of-message stage: a message is kept in the scan
 * directory while the end-of-message plugins (the scanners among them) read
 * it, and moved to the quarantine folder when one of them quarantines it.
 */
public final class ScanStep {

    private static final Logger LOG = LoggerFactory.getLogger(ScanStep.class);

    private ScanStep() {}

    /**
     * Moves the message into the quarantine folder, with a note of its envelope and why it is there.
     *
     * @param reason the plugin's name and its reason ("clamav: Eicar-Test-Signature")
     * @param headers the header fields the plugins added, kept in the note
     */
    static void quarantine(Path directory, String queueId, Envelope envelope, Path file, String reason,
            List<String> headers) throws IOException {
        Files.createDirectories(directory);
        Path note = directory.resolve(queueId + ".txt");
        StringBuilder text = new StringBuilder().append("queue-id: ").append(queueId).append("\nquarantined: ")
                .append(Instant.now()).append("\nreason: ").append(reason).append("\nreverse-path: ")
                .append(envelope.reversePath).append("\nrecipients: ").append(envelope.recipients)
                .append("\nclient-address: ").append(envelope.clientAddress).append('\n');
        for (String header : headers) {
            text.append("added-header: ").append(header).append('\n');
        }
        Files.writeString(note, text, StandardCharsets.UTF_8);
        Files.move(file, directory.resolve(queueId + ".eml"), StandardCopyOption.REPLACE_EXISTING);
        LOG.warn("{}: quarantined in {} ({})", queueId, directory, reason);
    }

    /**
     * Removes the messages a listener that died (a crash, {@code kill -9}) left in the scan directory: called
     * before any session runs, when every file there is a leftover.
     *
     * @return how many were removed
     */
    public static int removeLeftovers(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        int removed = 0;
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.eml")) {
            for (Path file : files) {
                if (Files.deleteIfExists(file)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    /** Writes the message into a new file of the scan directory. */
    static Path spill(Path directory, String queueId, InputStream content) throws IOException {
        Files.createDirectories(directory);
        Path file = Files.createTempFile(directory, queueId, ".eml");
        boolean complete = false;
        try (OutputStream out = Files.newOutputStream(file)) {
            content.transferTo(out);
            complete = true;
        } finally {
            if (!complete) {
                Files.deleteIfExists(file);
            }
        }
        return file;
    }
}
