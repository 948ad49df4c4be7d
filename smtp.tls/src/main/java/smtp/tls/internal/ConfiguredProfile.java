package smtp.tls.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.tls.TlsProfile;

/**
 * A TLS profile from a {@value #FACTORY_PID} configuration. Its files are
 * checked for changes every {@code reloadInterval} seconds.
 */
@Component(configurationPid = ConfiguredProfile.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = TlsProfile.class, immediate = true)
@Designate(ocd = ProfileConfiguration.class, factory = true)
public final class ConfiguredProfile implements TlsProfile {

    static final String FACTORY_PID = "smtp.tls.profile";
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredProfile.class);

    private final ReloadingProfile profile;
    private final ScheduledExecutorService watcher;

    @Activate
    public ConfiguredProfile(ProfileConfiguration config) {
        String name = config.name().trim();
        try {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("the profile has no name");
            }
            boolean pem = !config.certificateFile().isBlank() || !config.keyFile().isBlank();
            boolean pkcs12 = !config.keyStoreFile().isBlank();
            if (pem == pkcs12 || pem && (config.certificateFile().isBlank() || config.keyFile().isBlank())) {
                throw new IllegalArgumentException("give either certificateFile and keyFile (PEM) or keyStoreFile (PKCS#12)");
            }
            List<Path> files = pem
                    ? List.of(Paths.get(config.certificateFile().trim()), Paths.get(config.keyFile().trim()))
                    : List.of(Paths.get(config.keyStoreFile().trim()));
            char[] password = config._keyStorePassword().toCharArray();
            this.profile = new ReloadingProfile(name, () -> TlsSettings.build(
                    pem ? KeyMaterial.fromPem(files.get(0), files.get(1)) : KeyMaterial.fromPkcs12(files.get(0), password),
                    config.protocols(), config.cipherSuites()), files);
        } catch (Exception e) {
            LOG.error("TLS profile '{}' not started: {}. Fix the {} configuration.", name, e.getMessage(), FACTORY_PID);
            throw new IllegalArgumentException("bad " + FACTORY_PID + " configuration '" + name + "': " + e.getMessage(), e);
        }
        LOG.info("TLS profile '{}' ready with {}", name, ReloadingProfile.describe(profile.certificate()));
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "smtp-tls-watch " + name);
            thread.setDaemon(true);
            return thread;
        });
        watcher.scheduleWithFixedDelay(profile::reloadIfChanged, config.reloadInterval(), config.reloadInterval(),
                TimeUnit.SECONDS);
    }

    @Deactivate
    void stop() {
        watcher.shutdownNow();
    }

    @Override
    public String name() {
        return profile.name();
    }

    @Override
    public SSLEngine engine() {
        return profile.engine();
    }
}
