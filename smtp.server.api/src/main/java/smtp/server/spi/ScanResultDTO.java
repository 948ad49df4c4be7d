package smtp.server.spi;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/** The verdict of one data-scanning plugin on one message. */
@ProviderType
public class ScanResultDTO extends DTO {

    /** Verdict: no threat found. */
    public static final String CLEAN = "CLEAN";
    /** Verdict: a threat was found; {@link #threat} names it. */
    public static final String INFECTED = "INFECTED";
    /** Verdict: the scanner could not decide; {@link #threat} holds the reason. */
    public static final String FAILED = "FAILED";

    /** Name of the scanner that gave the verdict. */
    public String scanner;

    /** One of {@link #CLEAN}, {@link #INFECTED}, {@link #FAILED}. */
    public String verdict;

    /** The threat found, or why the scan failed; {@code null} when clean. */
    public String threat;

    /** How long the scan took, in milliseconds. */
    public long durationMillis;

    /** Identifier of the scanned message in the delivery queue. */
    public String queueId;
}
