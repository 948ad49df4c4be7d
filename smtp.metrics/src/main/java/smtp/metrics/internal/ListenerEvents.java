package smtp.metrics.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import smtp.server.spi.MessageDTO;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.SessionDTO;
import smtp.server.spi.SessionListener;

/** What the listener tells its session listeners, counted in {@link SmtpMetrics}. */
@Component(service = SessionListener.class)
public final class ListenerEvents implements SessionListener {

    private final SmtpMetrics metrics;

    @Activate
    public ListenerEvents(@Reference SmtpMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void connected(SessionDTO session) {
        metrics.connected(session);
    }

    @Override
    public void disconnected(SessionDTO session) {
        metrics.disconnected(session);
    }

    @Override
    public void messageReceived(SessionDTO session, MessageDTO message) {
        metrics.messageReceived(session, message);
    }

    @Override
    public void messageRefused(SessionDTO session, String reason, String reply) {
        metrics.messageRefused(session, reason, reply);
    }

    @Override
    public void authenticated(SessionDTO session, String mechanism, boolean succeeded) {
        metrics.authenticated(session, mechanism, succeeded);
    }

    @Override
    public void messageScanned(SessionDTO session, ScanResultDTO result) {
        metrics.messageScanned(session, result);
    }

    @Override
    public void policyDecided(SessionDTO session, PolicyResultDTO result) {
        metrics.policyDecided(session, result);
    }
}
