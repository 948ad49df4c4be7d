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
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.Envelope;
import smtp.delivery.spi.MessageContent;
import smtp.tlslayer.BufferPool;
import smtp.tlslayer.TlsLayer;

/**
 * Carries a message to the recipients of one domain over SMTP: to the
 * smarthost or the domain's mail servers, trying each server in turn until one
 * answers, over a connection kept from an earlier message where there is one
 * ({@link Connections}). Each recipient ends delivered (2xx), deferred (4xx, no
 * server reachable) or failed (5xx).
 */
final class Relay {

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

    enum Result { DELIVERED, DEFERRED, FAILED }

    /**
     * What happened to one recipient, with the server's words.
     *
     * @param dsnPassedOn the server took the recipient with its DSN parameters (it offers DSN): reporting on it is
     *        that server's duty now
     */
    record Outcome(Result result, String detail, boolean dsnPassedOn) {
        Outcome(Result result, String detail) {
            this(result, detail, false);
        }
    }

    /** How the relay uses TLS. */
    enum Tls { NONE, OPPORTUNISTIC, REQUIRED }

    /** The relay's settings. */
    record Settings(String heloName, Routes routes, Tls tls, Path trustedCertificates, String user, String password,
            int timeoutMillis) {}

    private final Settings settings;
    private final SSLContext opportunistic;
    private final SSLContext verifying;
    /** The buffers of the TLS connections, shared: a connection holds them only while bytes are in them. */
    private final BufferPool tlsBuffers = new BufferPool(TlsLayer.BUFFER, 16, BufferPool.limitFor(TlsLayer.BUFFER, 32));
    private final Connections connections;

    Relay(Settings settings, Connections connections) throws GeneralSecurityException, IOException {
        this.settings = settings;
        this.connections = connections;
        this.opportunistic = context(new TrustManager[] {new TrustingAnyone()});
        this.verifying = context(trustManagers(settings.trustedCertificates()));
    }

    Map<String, Outcome> deliver(String domain, Envelope envelope, List<String> recipients, MessageContent message) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        List<Routes.Hop> hops;
        try {
            hops = envelope.nextHop != null ? List.of(Routes.nextHop(envelope.nextHop)) : settings.routes().hops(domain);
        } catch (Routes.RouteException e) {
            Outcome outcome = new Outcome(e.permanent ? Result.FAILED : Result.DEFERRED, e.getMessage());
            recipients.forEach(recipient -> outcomes.put(recipient, outcome));
            return outcomes;
        }
        Tls tls = tlsFor(envelope);
        String lastProblem = "no server tried";
        for (Routes.Hop hop : hops) {
            try {
                Map<String, Outcome> result = attempt(hop, envelope, recipients, message, tls, tls != Tls.NONE);
                if (result != null) {
                    return result;
                }
                lastProblem = hop.host() + " would not take the message now";
            } catch (TlsUnavailable e) {
                lastProblem = e.getMessage();
                if (envelope.requireTls) { // RFC 8689: never without TLS; the sender is told
                    return all(recipients, new Outcome(Result.FAILED, "5.7.10 " + e.getMessage()
                            + "; the sender required TLS with a valid certificate (REQUIRETLS)"));
                }
                if (tls == Tls.OPPORTUNISTIC) { // as common MTAs do: try again in plaintext
                    try {
                        Map<String, Outcome> result = attempt(hop, envelope, recipients, message, tls, false);
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

    /**
     * @return how TLS is used for this message: REQUIRETLS makes it required with a checked certificate;
     *         {@code TLS-Required: No} (RFC 8689 5) makes a required TLS opportunistic
     */
    private Tls tlsFor(Envelope envelope) {
        if (envelope.requireTls) {
            return Tls.REQUIRED;
        }
        if (envelope.tlsOptional && settings.tls() == Tls.REQUIRED) {
            return Tls.OPPORTUNISTIC;
        }
        return settings.tls();
    }

    /** TLS could not be used with this server. */
    private static final class TlsUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        TlsUnavailable(String message) {
            super(message);
        }
    }

    /**
     * Sends the message over a connection to the server: one kept from an earlier message if there is one (a
     * new one if that turns out closed before the message went out), else a new one.
     *
     * @return the outcomes, or null when this server did not take part (try the next)
     */
    private Map<String, Outcome> attempt(Routes.Hop hop, Envelope envelope, List<String> recipients,
            MessageContent message, Tls tls, boolean useTls) throws IOException, TlsUnavailable {
        Connections.Key key = new Connections.Key(hop, useTls, tls == Tls.REQUIRED);
        RelayClient cached = connections.take(key);
        if (cached != null) {
            try {
                return send(key, cached, hop, envelope, recipients, message);
            } catch (IOException e) {
                if (cached.messageSent()) {
                    throw e; // the server may have the message: no second copy now
                }
                LOG.debug("Relay via {}: the kept connection failed ({}), opening a new one", hop.address(), e.getMessage());
            }
        }
        RelayClient client = new RelayClient(hop.address(), hop.host(), settings.timeoutMillis());
        boolean sending = false;
        try {
            Map<String, Outcome> refused = open(client, hop, recipients, tls, useTls, envelope.requireTls);
            if (refused != null || !client.ready()) {
                return refused;
            }
            sending = true;
            return send(key, client, hop, envelope, recipients, message);
        } finally {
            if (!sending) {
                client.close();
            }
        }
    }

    /** One transaction; the connection goes back to the cache when it ended cleanly, else it is closed. */
    private Map<String, Outcome> send(Connections.Key key, RelayClient client, Routes.Hop hop, Envelope envelope,
            List<String> recipients, MessageContent message) throws IOException {
        String cannot = client.cannotCarry(envelope);
        if (cannot != null) { // never a silent downgrade: the sender is told
            connections.release(key, client);
            return all(recipients, new Outcome(Result.FAILED, cannot));
        }
        Map<String, RelayClient.Reply> replies;
        try {
            replies = client.send(envelope, recipients, message);
        } catch (IOException e) {
            client.close();
            throw e;
        }
        connections.release(key, client);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        boolean dsn = client.offers("DSN");
        replies.forEach((recipient, reply) -> outcomes.put(recipient, new Outcome(
                reply.positive() ? Result.DELIVERED : reply.permanent() ? Result.FAILED : Result.DEFERRED,
                hop.host() + " [" + hop.address().getAddress().getHostAddress() + "] said: " + reply.toString()
                        .replace('\n', ' '), dsn)));
        return outcomes;
    }

    /**
     * Greets the server, starts TLS and authenticates as configured.
     *
     * @return null when the connection is ready for a message, or did not get that far because the server
     *         refused to talk ({@link RelayClient#ready()} false: try the next server); else the outcome for every
     *         recipient (TLS required but not offered, credentials refused)
     */
    private Map<String, Outcome> open(RelayClient client, Routes.Hop hop, List<String> recipients, Tls tls,
            boolean useTls, boolean requireTls) throws IOException, TlsUnavailable {
        RelayClient.Reply hello = client.hello(settings.heloName());
        if (!hello.positive()) {
            return null;
        }
        boolean encrypted = false;
        boolean verify = tls == Tls.REQUIRED;
        if (useTls && client.offers("STARTTLS")) {
            try {
                RelayClient.Reply started = client.startTls(verify ? verifying : opportunistic, verify, settings.heloName(),
                        tlsBuffers);
                encrypted = started.positive();
            } catch (IOException e) {
                throw new TlsUnavailable(hop.host() + ": TLS failed: " + e.getMessage());
            }
        }
        if (verify && !encrypted) {
            client.quit();
            return all(recipients, requireTls
                    ? new Outcome(Result.FAILED, "5.7.10 " + hop.host() + " does not offer STARTTLS; the sender required "
                            + "TLS with a valid certificate (REQUIRETLS)")
                    : new Outcome(Result.DEFERRED, hop.host() + " does not offer STARTTLS, which is required"));
        }
        if (!settings.user().isEmpty() && hop.smarthost()) {
            if (!encrypted) {
                throw new TlsUnavailable(hop.host() + ": no TLS, so the credentials are not sent");
            }
            RelayClient.Reply auth = client.authPlain(settings.user(), settings.password());
            if (!auth.positive()) {
                client.quit();
                return all(recipients, new Outcome(Result.DEFERRED, hop.host() + " refused the credentials: " + auth));
            }
        }
        client.markReady(encrypted && verify);
        return null;
    }

    private static Map<String, Outcome> all(List<String> recipients, Outcome outcome) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        recipients.forEach(recipient -> outcomes.put(recipient, outcome));
        return outcomes;
    }

    /**
     * The TLS sessions kept for resumption, at most: the JDK keeps up to 20,480 for a day by default, and under
     * TLS 1.3 every handshake leaves one more (each server ticket is a session of its own), so that a relay that
     * opens many connections would fill its heap with them.
     */
    static final int SESSIONS_KEPT = 1000;
    /** How long a TLS session is kept for resumption, in seconds. */
    static final int SESSION_SECONDS = 3600;

    private static SSLContext context(TrustManager[] trust) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust, null);
        context.getClientSessionContext().setSessionCacheSize(SESSIONS_KEPT);
        context.getClientSessionContext().setSessionTimeout(SESSION_SECONDS);
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
