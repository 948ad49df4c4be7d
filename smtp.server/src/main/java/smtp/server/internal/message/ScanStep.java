package smtp.server.internal.message;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.Envelope;
import smtp.server.spi.MessageDTO;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.Scanner;
import smtp.server.spi.SessionDTO;

/**
 * Runs the scanners on a message kept in a file, in order, and applies each
 * one's policy: an infected message is rejected (554), quarantined or tagged;
 * a failed scan gives 451 or lets the message through. Every verdict is
 * reported to the session listeners (the AVScanResult event).
 */
public final class ScanStep {

    private static final Logger LOG = LoggerFactory.getLogger(ScanStep.class);

    /** What is to happen with the message after the scan. */
    record Decision(boolean quarantined, byte[] tags) {}

    private ScanStep() {}

    /**
     * @param quarantineDirectory where a scanner with the quarantine policy puts an infected message
     * @throws Refusal when a scanner's policy refuses the message (554 or 451)
     */
    static Decision run(List<Scanners.Entry> scanners, Path quarantineDirectory, SessionDTO session, MessageDTO message,
            Envelope envelope, Path file, Consumer<ScanResultDTO> report) throws Refusal, IOException {
        StringBuilder tags = new StringBuilder();
        for (Scanners.Entry entry : scanners) {
            long start = System.nanoTime();
            ScanResultDTO result;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                result = entry.scanner().scan(session, message, in);
            } catch (IOException | RuntimeException e) {
                result = failed(e.toString());
            }
            if (result == null || result.verdict == null) {
                result = failed("the scanner gave no verdict");
            }
            result.scanner = entry.name();
            result.queueId = message.queueId;
            result.durationMillis = (System.nanoTime() - start) / 1_000_000;
            report.accept(result);
            switch (result.verdict) {
                case ScanResultDTO.INFECTED -> {
                    String threat = printable(result.threat);
                    LOG.warn("{}: {} found {} in the message from <{}> via {}; policy {}", message.queueId, entry.name(), threat,
                            envelope.reversePath, envelope.clientAddress, entry.onInfected());
                    switch (entry.onInfected()) {
                        case Scanner.QUARANTINE -> {
                            quarantine(quarantineDirectory, message.queueId, envelope, file, entry.name(), threat);
                            return new Decision(true, null);
                        }
                        case Scanner.TAG -> tags.append("X-Scan-Result: ").append(entry.name()).append("; infected; ")
                                .append(threat).append("\r\n");
                        default -> throw new Refusal("554 5.7.1 Message rejected: " + threat + " found by " + entry.name());
                    }
                }
                case ScanResultDTO.CLEAN -> LOG.debug("{}: {} found it clean", message.queueId, entry.name());
                default -> {
                    String reason = printable(result.threat);
                    LOG.warn("{}: {} could not scan the message: {}; policy {}", message.queueId, entry.name(), reason,
                            entry.onFailure());
                    if (!Scanner.ACCEPT.equals(entry.onFailure())) {
                        throw new Refusal("451 4.7.1 The message could not be scanned (" + entry.name()
                                + "), try again later");
                    }
                    tags.append("X-Scan-Result: ").append(entry.name()).append("; not scanned; ").append(reason).append("\r\n");
                }
            }
        }
        return new Decision(false, tags.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static ScanResultDTO failed(String reason) {
        ScanResultDTO result = new ScanResultDTO();
        result.verdict = ScanResultDTO.FAILED;
        result.threat = reason;
        return result;
    }

    /** A one-line, header-safe rendering of a scanner's words. */
    private static String printable(String text) {
        String line = text == null ? "unknown" : text.replaceAll("\\p{Cntrl}", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    /** Moves the message into the quarantine folder, with a note of its envelope and why it is there. */
    private static void quarantine(Path directory, String queueId, Envelope envelope, Path file, String scanner,
            String threat) throws IOException {
        Files.createDirectories(directory);
        Path note = directory.resolve(queueId + ".txt");
        Files.writeString(note, "queue-id: " + queueId + "\nquarantined: " + Instant.now() + "\nscanner: " + scanner
                + "\nthreat: " + threat + "\nreverse-path: " + envelope.reversePath + "\nrecipients: " + envelope.recipients
                + "\nclient-address: " + envelope.clientAddress + "\n", StandardCharsets.UTF_8);
        Files.move(file, directory.resolve(queueId + ".eml"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Writes the message into a new file of the scan directory. */
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
