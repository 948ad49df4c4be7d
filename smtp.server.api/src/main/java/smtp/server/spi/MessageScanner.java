package smtp.server.spi;

import java.io.IOException;
import java.io.InputStream;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A data-scanning plugin (antivirus first). Scanners are a whiteboard: each
 * registers a {@code MessageScanner} service with the {@link Scanner}
 * properties (its name, its place in the order, and what the listener does
 * with its verdicts). The listener runs every scanner present on every
 * accepted message before it hands the message to delivery; a scanner that
 * comes or goes is seen by the next message.
 * <p>
 * Calls come from session threads, concurrently.
 */
@ConsumerType
public interface MessageScanner {

    /**
     * Scans one message.
     *
     * @param session the session the message came in on
     * @param message the message's envelope: queue id, sender, recipients, size
     * @param content the message as received (with the listener's Received header), streamed: read it as far as
     *        needed, do not hold it whole in memory
     * @return the verdict: {@link ScanResultDTO#verdict} is {@code CLEAN}, {@code INFECTED} (with
     *         {@link ScanResultDTO#threat} naming the threat) or {@code FAILED} (with the reason in
     *         {@code threat}); the listener fills in the scanner name, queue id and duration
     * @throws IOException if the scan could not be done; taken as {@code FAILED}
     */
    ScanResultDTO scan(SessionDTO session, MessageDTO message, InputStream content) throws IOException;
}
