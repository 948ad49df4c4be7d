package smtp.metrics.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.Test;
import org.osgi.service.event.Event;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import smtp.delivery.api.DeliveryEvents;
import smtp.server.spi.MessageDTO;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.ScanResultDTO;
import smtp.server.spi.SessionDTO;
import smtp.server.spi.SessionListener;

public class SmtpMetricsTest {

    private static String text(SmtpMetrics metrics, String accept) throws IOException {
        ExpositionFormatWriter writer = Exposition.writer(accept);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Exposition.write(writer, metrics.scrape(), accept, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static SessionDTO session(String binding, boolean tls) {
        SessionDTO session = new SessionDTO();
        session.binding = binding;
        session.tls = tls;
        return session;
    }

    @Test
    public void whatTheListenerTellsIsCountedByBindingAndReason() throws IOException {
        SmtpMetrics metrics = new SmtpMetrics();
        SessionDTO mx = session("mx", true);
        metrics.connected(mx);
        MessageDTO message = new MessageDTO();
        message.size = 5000;
        message.acceptNanos = 3_000_000;
        metrics.messageReceived(mx, message);
        metrics.messageRefused(mx, SessionListener.REFUSED_SIZE, "552 5.3.4 too big");
        metrics.authenticated(session(null, false), "PLAIN", false);
        metrics.disconnected(mx);
        ScanResultDTO scan = new ScanResultDTO();
        scan.scanner = "clamav";
        scan.verdict = ScanResultDTO.INFECTED;
        metrics.messageScanned(mx, scan);
        PolicyResultDTO verdict = new PolicyResultDTO();
        verdict.policy = "ratelimit:per-client";
        verdict.stage = "MAIL";
        verdict.action = "DEFER";
        metrics.policyDecided(mx, verdict);

        String text = text(metrics, null);
        assertTrue(text, text.contains("smtp_connections_total{binding=\"mx\"} 1.0"));
        assertTrue(text, text.contains("smtp_messages_accepted_total{binding=\"mx\"} 1.0"));
        assertTrue(text, text.contains("smtp_accepted_bytes_total{binding=\"mx\"} 5000.0"));
        assertTrue(text, text.contains("smtp_messages_refused_total{binding=\"mx\",reason=\"size\"} 1.0"));
        assertTrue(text, text.contains("smtp_accept_latency_seconds_bucket{binding=\"mx\",le=\"0.0025\"} 0"));
        assertTrue(text, text.contains("smtp_accept_latency_seconds_bucket{binding=\"mx\",le=\"0.005\"} 1"));
        assertTrue(text, text.contains("smtp_accept_latency_seconds_sum{binding=\"mx\"} 0.003"));
        assertTrue("a session without a binding name",
                text.contains("smtp_auth_attempts_total{binding=\"default\",mechanism=\"PLAIN\",outcome=\"failure\"} 1.0"));
        assertTrue(text, text.contains("smtp_sessions_closed_total{binding=\"mx\",tls=\"true\"} 1.0"));
        assertTrue(text, text.contains("smtp_scan_verdicts_total{scanner=\"clamav\",verdict=\"INFECTED\"} 1.0"));
        assertTrue(text, text.contains(
                "smtp_policy_verdicts_total{action=\"DEFER\",policy=\"ratelimit:per-client\",stage=\"MAIL\"} 1.0"));
        assertFalse("no queue: no queue gauges", text.contains("smtp_queue_messages{"));
    }

    @Test
    public void deliveriesAreCountedByOutcomeAndTimedFromAcceptance() throws IOException {
        SmtpMetrics metrics = new SmtpMetrics();
        metrics.deliveryEvent(new Event(DeliveryEvents.DELIVERED, Map.of(DeliveryEvents.TIMESTAMP, 10_000L,
                DeliveryEvents.RECEIVED_AT, 7_500L, DeliveryEvents.TRANSPORT, "smtp")));
        metrics.deliveryEvent(new Event(DeliveryEvents.DEFERRED, Map.of(DeliveryEvents.TIMESTAMP, 10_000L)));
        metrics.deliveryEvent(new Event(DeliveryEvents.BOUNCED, Map.of(DeliveryEvents.TIMESTAMP, 10_000L)));
        String text = text(metrics, null);
        for (String outcome : new String[] {"delivered", "deferred", "bounced"}) {
            assertTrue(text, text.contains("smtp_delivery_attempts_total{outcome=\"" + outcome + "\"} 1.0"));
        }
        assertTrue(text, text.contains("smtp_delivery_latency_seconds_sum{transport=\"smtp\"} 2.5"));
        assertTrue(text, text.contains("smtp_delivery_latency_seconds_bucket{transport=\"smtp\",le=\"1.0\"} 0"));
        assertTrue(text, text.contains("smtp_delivery_latency_seconds_bucket{transport=\"smtp\",le=\"5.0\"} 1"));
    }

    @Test
    public void aScraperAskingForOpenMetricsGetsIt() throws IOException {
        SmtpMetrics metrics = new SmtpMetrics();
        metrics.connected(session("mx", false));
        assertTrue(Exposition.writer("application/openmetrics-text; version=1.0.0; charset=utf-8").getContentType()
                .startsWith("application/openmetrics-text"));
        assertTrue(Exposition.writer(null).getContentType().startsWith("text/plain; version=0.0.4"));
        assertTrue(Exposition.writer("text/plain").getContentType().startsWith("text/plain; version=0.0.4"));
        String open = text(metrics, "application/openmetrics-text; version=1.0.0");
        assertTrue(open, open.endsWith("# EOF\n"));
        assertTrue(open, open.contains("# TYPE smtp_connections counter\n") && open.contains("\nsmtp_connections_total{binding=\"mx\"} 1.0\n"));
        assertEquals("binding names are kept as the listener gives them", "127.0.0.1:25", SmtpMetrics.binding("127.0.0.1:25"));
    }
}
