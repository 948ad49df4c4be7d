package smtp.scan.clamav.internal;

import java.io.IOException;
import java.io.InputStream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.spi.MessageDTO;
import smtp.server.spi.MessageScanner;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.Scanner;
import smtp.server.spi.SessionDTO;

/**
 * The ClamAV scanner ({@value #PID}): every message goes to clamd's INSTREAM
 * command. It runs only once configured, so that installing the bundle where
 * no clamd runs does not hold up mail.
 */
@Component(configurationPid = ClamavScanner.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = MessageScanner.class)
@Designate(ocd = ClamavConfiguration.class)
@Scanner(name = "clamav", order = 10)
public final class ClamavScanner implements MessageScanner {

    static final String PID = "smtp.scan.clamav";
    private static final Logger LOG = LoggerFactory.getLogger(ClamavScanner.class);

    private final Clamd clamd;

    @Activate
    public ClamavScanner(ClamavConfiguration config) {
        this.clamd = new Clamd(config.address(), config.timeout() * 1000, config.chunkSize(), config.idleConnections());
        LOG.info("ClamAV scanner uses clamd at {}", config.address());
    }

    @Deactivate
    void stop() {
        clamd.close();
    }

    @Override
    public ScanResultDTO scan(SessionDTO session, MessageDTO message, InputStream content) throws IOException {
        return verdict(clamd.instream(content));
    }

    /** Reads clamd's answer: {@code stream: OK}, {@code stream: <name> FOUND}, or an error. */
    static ScanResultDTO verdict(String answer) {
        ScanResultDTO result = new ScanResultDTO();
        String text = answer.startsWith("stream: ") ? answer.substring("stream: ".length()) : answer;
        if (text.equals("OK")) {
            result.verdict = ScanResultDTO.CLEAN;
        } else if (text.endsWith(" FOUND")) {
            result.verdict = ScanResultDTO.INFECTED;
            result.threat = text.substring(0, text.length() - " FOUND".length());
        } else {
            result.verdict = ScanResultDTO.FAILED;
            result.threat = "clamd: " + answer;
        }
        return result;
    }
}
