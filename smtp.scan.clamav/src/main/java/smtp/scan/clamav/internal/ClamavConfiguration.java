package smtp.scan.clamav.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = ClamavScanner.PID,
        name = "SMTP scanner: ClamAV",
        description = "Has every message scanned by clamd before it is delivered.")
@interface ClamavConfiguration {

    @AttributeDefinition(name = "clamd address",
            description = "host:port of clamd's TCPSocket, or unix:/path of its LocalSocket (Debian: unix:/run/clamav/clamd.ctl).")
    String address() default "unix:/run/clamav/clamd.ctl";

    @AttributeDefinition(name = "Timeout", min = "1", description = "Seconds a scan may take; then it fails (see on failure).")
    int timeout() default 30;

    @AttributeDefinition(name = "Chunk size", min = "1024", description = "Bytes per INSTREAM chunk.")
    int chunkSize() default 65536;

    @AttributeDefinition(name = "Idle connections", min = "0", description = "clamd sessions kept open for reuse.")
    int idleConnections() default 4;

    @AttributeDefinition(name = "Order", description = "Scanners run in ascending order.")
    int smtp_scanner_order() default 10;

    @AttributeDefinition(name = "On infected",
            description = "reject: 554, nothing stored. quarantine: kept in the quarantine folder, not delivered. "
                    + "tag: delivered with an X-Scan-Result header.",
            options = {@Option(label = "reject", value = "reject"), @Option(label = "quarantine", value = "quarantine"),
                    @Option(label = "tag", value = "tag")})
    String smtp_scanner_onInfected() default "reject";

    @AttributeDefinition(name = "On failure",
            description = "When clamd cannot scan (down, timeout, too large): tempfail (451, the client retries) or accept.",
            options = {@Option(label = "tempfail", value = "tempfail"), @Option(label = "accept", value = "accept")})
    String smtp_scanner_onFailure() default "tempfail";
}
