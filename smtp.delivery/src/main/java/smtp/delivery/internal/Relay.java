package smtp.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.Envelope;

/**
 * Carries a message to the recipients of one domain over SMTP: to the
 * smarthost or the domain's mail servers, trying each server in turn until one
 * answers. Each recipient ends delivered (2xx), deferred (4xx, no server
 * reachable) or failed (5xx).
 */
final class Relay {

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

    enum Result { DELIVERED, DEFERRED, FAILED }

    /** What happened to one recipient, with the server's words. */
    record Outcome(Result result, String detail) {}

    /** How the relay uses TLS. */
    enum Tls { NONE, OPPORTUNISTIC, REQUIRED }

    /** The relay's settings. */
    record Settings(String heloName, Routes routes, Tls tls, Path trustedCertificates, String user, String password,
            int timeoutMillis) {}

    private final Settings settings;
    private final SSLSocketFactory opportunistic;
    private final SSLSocketFactory verifying;

    Relay(Settings settings) throws GeneralSecurityException, IOException {
        this.settings = settings;
        this.opportunistic = context(new TrustManager[] {new TrustingAnyone()}).getSocketFactory();
        this.verifying = context(trustManagers(settings.trustedCertificates())).getSocketFactory();
    }

    Map<String, Outcome> deliver(String domain, Envelope envelope, List<String> recipients, Path message) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        List<Routes.Hop> hops;
        try {
            hops = settings.routes().hops(domain);
        } catch (Routes.RouteException e) {
            Outcome outcome = new Outcome(e.permanent ? Result.FAILED : Result.DEFERRED, e.getMessage());
            recipients.forEach(recipient -> outcomes.put(recipient, outcome));
            return outcomes;
        }
        String lastProblem = "no server tried";
        for (Routes.Hop hop : hops) {
            try {
                Map<String, Outcome> result = attempt(hop, envelope, recipients, message, settings.tls() != Tls.NONE);
                if (result != null) {
                    return result;
                }
                lastProblem = hop.host() + " would not take the message now";
            } catch (TlsUnavailable e) {
                lastProblem = e.getMessage();
                if (settings.tls() == Tls.OPPORTUNISTIC) { // as common MTAs do: try again in plaintext
                    try {
                        Map<String, Outcome> result = attempt(hop, envelope, recipients, message, false);
                        if (result != null) {
                            return result;
                        }
                    } catch (IOException | TlsUnavailable retry) {
                        lastProblem = hop.host() + ": " + retry.getMessage();
                    }
                }
            } catch (IOException e) {
                lastProblem = hop.host() + " [" + hop.address().getAddress().getHostAddress() + "]: " + e.getMessage();
                LOG.info("Relay to {} via {}: {}", domain, hop.address(), e.getMessage());
            }
        }
        Outcome deferred = new Outcome(Result.DEFERRED, lastProblem);
        recipients.forEach(recipient -> outcomes.put(recipient, deferred));
        return outcomes;
    }

    /** TLS could not be used with this server. */
    private static final class TlsUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        TlsUnavailable(String message) {
            super(message);
        }
    }

    /** @return the outcomes, or null when this server did not take part (try the next) */
    private Map<String, Outcome> attempt(Routes.Hop hop, Envelope envelope, List<String> recipients, Path message,
            boolean useTls) throws IOException, TlsUnavailable {
        try (RelayClient client = new RelayClient(hop.address(), hop.host(), settings.timeoutMillis())) {
            RelayClient.Reply hello = client.hello(settings.heloName());
            if (!hello.positive()) {
                return null;
            }
            boolean encrypted = false;
            if (useTls && client.offers("STARTTLS")) {
                try {
                    RelayClient.Reply tls = client.startTls(settings.tls() == Tls.REQUIRED ? verifying : opportunistic,
                            settings.tls() == Tls.REQUIRED, settings.heloName());
                    encrypted = tls.positive();
                } catch (IOException e) {
                    throw new TlsUnavailable(hop.host() + ": TLS failed: " + e.getMessage());
                }
            }
            if (settings.tls() == Tls.REQUIRED && !encrypted) {
                Map<String, Outcome> outcomes = new LinkedHashMap<>();
                Outcome deferred = new Outcome(Result.DEFERRED, hop.host() + " does not offer STARTTLS, which is required");
                recipients.forEach(recipient -> outcomes.put(recipient, deferred));
                client.quit();
                return outcomes;
            }
            if (!settings.user().isEmpty()) {
                if (!encrypted) {
                    throw new TlsUnavailable(hop.host() + ": no TLS, so the credentials are not sent");
                }
                RelayClient.Reply auth = client.authPlain(settings.user(), settings.password());
                if (!auth.positive()) {
                    Map<String, Outcome> outcomes = new LinkedHashMap<>();
                    Outcome outcome = new Outcome(Result.DEFERRED, hop.host() + " refused the credentials: " + auth);
                    recipients.forEach(recipient -> outcomes.put(recipient, outcome));
                    client.quit();
                    return outcomes;
                }
            }
            Map<String, RelayClient.Reply> replies = client.send(envelope.reversePath, recipients, message);
            client.quit();
            Map<String, Outcome> outcomes = new LinkedHashMap<>();
            replies.forEach((recipient, reply) -> outcomes.put(recipient, new Outcome(
                    reply.positive() ? Result.DELIVERED : reply.permanent() ? Result.FAILED : Result.DEFERRED,
                    hop.host() + " [" + hop.address().getAddress().getHostAddress() + "] said: " + reply.toString()
                            .replace('\n', ' '))));
            return outcomes;
        }
    }

    private static SSLContext context(TrustManager[] trust) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust, null);
        return context;
    }

    /** The JDK's trusted certificates, plus those of the given PEM file if any. */
    private static TrustManager[] trustManagers(Path extra) throws GeneralSecurityException, IOException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (extra == null) {
            factory.init((KeyStore) null);
            return factory.getTrustManagers();
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        defaults.init((KeyStore) null);
        int i = 0;
        for (TrustManager manager : defaults.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                for (X509Certificate certificate : x509.getAcceptedIssuers()) {
                    store.setCertificateEntry("jdk-" + i++, certificate);
                }
            }
        }
        try (InputStream in = Files.newInputStream(extra)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("extra-" + i++, certificate);
            }
        }
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** Opportunistic TLS between mail servers encrypts without checking certificates, as common MTAs do. */
    private static final class TrustingAnyone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
