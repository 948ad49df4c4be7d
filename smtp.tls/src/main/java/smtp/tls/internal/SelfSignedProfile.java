package smtp.tls.internal;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import javax.net.ssl.SSLEngine;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.tls.TlsProfile;

/**
 * The 'default' TLS profile of a first run: a self-signed certificate for the
 * host name, generated once and kept on disk, so that it stays the same across
 * restarts. Its service ranking is low, so a configured profile named
 * 'default' takes its place.
 */
@Component(configurationPid = SelfSignedProfile.PID, immediate = true, service = TlsProfile.class,
        property = "service.ranking:Integer=-100")
@Designate(ocd = SelfSignedConfiguration.class)
public final class SelfSignedProfile implements TlsProfile {

    static final String PID = "smtp.tls";
    private static final Logger LOG = LoggerFactory.getLogger(SelfSignedProfile.class);

    private final ReloadingProfile profile;

    @Activate
    public SelfSignedProfile(SelfSignedConfiguration config) throws Exception {
        String hostName = config.hostName().isBlank() ? InetAddress.getLocalHost().getHostName() : config.hostName().trim();
        Path directory = Paths.get(config.directory()).toAbsolutePath();
        Path certificate = directory.resolve("self-signed-cert.pem");
        Path key = directory.resolve("self-signed-key.pem");
        if (!Files.exists(certificate) || !Files.exists(key)) {
            SelfSigned.generate(hostName, certificate, key);
            LOG.info("Generated a self-signed certificate for {} in {}", hostName, directory);
        }
        this.profile = new ReloadingProfile(DEFAULT_NAME, () -> TlsSettings.build(KeyMaterial.fromPem(certificate, key),
                TlsSettings.DEFAULT_PROTOCOLS, TlsSettings.DEFAULT_CIPHER_SUITES), List.of(certificate, key));
        LOG.warn("TLS profile 'default' uses a SELF-SIGNED certificate ({}): clients cannot verify it. Install a real one "
                + "by configuring an smtp.tls.profile named 'default' (see docs/operations.md, TLS).",
                ReloadingProfile.describe(profile.certificate()));
    }

    @Override
    public String name() {
        return DEFAULT_NAME;
    }

    @Override
    public SSLEngine engine() {
        return profile.engine();
    }
}
