package smtp.metrics.internal;

import java.io.IOException;
import java.io.OutputStream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** {@code /metrics} on a Jakarta servlet whiteboard (Felix HTTP in the exported app). */
@Component(service = Servlet.class, enabled = false, configurationPid = MetricsServlets.PID,
        property = {MetricsServlets.PATTERN + "=" + MetricsServlets.PATH, MetricsServlets.NAME + "=smtp-metrics"})
public final class JakartaMetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient SmtpMetrics metrics;

    @Activate
    public JakartaMetricsServlet(@Reference SmtpMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String accept = request.getHeader("Accept");
        ExpositionFormatWriter writer = Exposition.writer(accept);
        response.setContentType(writer.getContentType());
        response.setHeader("Cache-Control", "no-store");
        try (OutputStream out = response.getOutputStream()) {
            Exposition.write(writer, metrics.scrape(), accept, out);
        }
    }
}
