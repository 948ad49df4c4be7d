package smtp.tls.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.net.ssl.SSLEngine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.tls.TlsProfile;

/**
 * A profile whose key material comes from files: it is loaded at start, and
 * again whenever {@link #reloadIfChanged()} finds that a file changed (the
 * file a link points to, or its bytes). A load that fails keeps the previous material.
 */
final class ReloadingProfile implements TlsProfile {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadingProfile.class);

    /** Reads the key material and builds the context from it. */
    interface Loader {
        TlsSettings.Context load() throws Exception;
    }

    private final String name;
    private final Loader loader;
    private final List<Path> files;
    private volatile TlsSettings.Context current;
    private List<String> stamps;

    /** @throws Exception if the first load fails: there is nothing to fall back on */
    ReloadingProfile(String name, Loader loader, List<Path> files) throws Exception {
        this.name = name;
        this.loader = loader;
        this.files = List.copyOf(files);
        this.stamps = stamps();
        this.current = loader.load();
    }

    @Override
    public String name() {
        return name;
    }

    X509Certificate certificate() {
        return current.material().chain[0];
    }

    @Override
    public SSLEngine engine() {
        TlsSettings.Context context = current;
        SSLEngine engine = context.sslContext().createSSLEngine();
        engine.setUseClientMode(false);
        engine.setSSLParameters(context.parameters());
        return engine;
    }

    /** @return true if the files changed and the new material is in use */
    synchronized boolean reloadIfChanged() {
        List<String> now = stamps();
        if (now.equals(stamps)) {
            return false;
        }
        stamps = now;
        try {
            current = loader.load();
            LOG.info("TLS profile '{}' reloaded: new connections get {}", name, describe(certificate()));
            return true;
        } catch (Exception e) {
            LOG.error("TLS profile '{}': cannot load the changed files ({}); keeping {}", name, e.getMessage(),
                    describe(certificate()));
            return false;
        }
    }

    /** What identifies the state of each file: the file it resolves to and a digest of its bytes (they are small). */
    private List<String> stamps() {
        List<String> result = new ArrayList<>();
        for (Path file : files) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
                result.add(file.toRealPath() + " " + HexFormat.of().formatHex(digest));
            } catch (IOException | NoSuchAlgorithmException e) {
                result.add(file + " unreadable");
            }
        }
        return result;
    }

    static String describe(X509Certificate certificate) {
        return "the certificate " + certificate.getSubjectX500Principal().getName() + " valid until " + certificate.getNotAfter()
                .toInstant();
    }
}
