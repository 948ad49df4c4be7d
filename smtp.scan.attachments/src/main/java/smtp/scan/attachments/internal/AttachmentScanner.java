package smtp.scan.attachments.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

import smtp.server.spi.MessageDTO;
import smtp.server.spi.MessageScanner;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.Scanner;
import smtp.server.spi.SessionDTO;

/**
 * The example scanner bundle: a policy that refuses executable attachment
 * types. It reads the message line by line (never whole) and looks at the
 * file names MIME gives attachments ({@code filename=}, {@code name=}, and
 * their RFC 2231 forms).
 */
@Component(configurationPid = AttachmentScanner.PID, service = MessageScanner.class)
@Designate(ocd = AttachmentsConfiguration.class)
@Scanner(name = "attachments", order = 20)
public final class AttachmentScanner implements MessageScanner {

    static final String PID = "smtp.scan.attachments";
    private static final Pattern FILE_NAME = Pattern.compile("(?i)\\b(?:file)?name\\*?(?:\\d+\\*?)?=\\s*\"?([^\";]+)");

    private final Set<String> refused = new TreeSet<>();

    @Activate
    public AttachmentScanner(AttachmentsConfiguration config) {
        for (String extension : config.extensions()) {
            refused.add(extension.trim().toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""));
        }
    }

    @Override
    public ScanResultDTO scan(SessionDTO session, MessageDTO message, InputStream content) throws IOException {
        ScanResultDTO result = new ScanResultDTO();
        result.verdict = ScanResultDTO.CLEAN;
        BufferedReader lines = new BufferedReader(new InputStreamReader(content, StandardCharsets.ISO_8859_1));
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.length() > 2000 || !line.toLowerCase(Locale.ROOT).contains("name")) {
                continue;
            }
            Matcher matcher = FILE_NAME.matcher(line);
            while (matcher.find()) {
                String name = matcher.group(1).trim();
                int dot = name.lastIndexOf('.');
                String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT).trim();
                if (refused.contains(extension)) {
                    result.verdict = ScanResultDTO.INFECTED;
                    result.threat = "forbidden attachment type ." + extension + " (" + name + ")";
                    return result;
                }
            }
        }
        return result;
    }
}
