package smtp.metrics.internal;

import java.io.IOException;
import java.io.OutputStream;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * Writes the metrics in the format a scraper asks for: OpenMetrics text when its
 * Accept header names {@code application/openmetrics-text}, else the Prometheus
 * text format 0.0.4. Both servlets (Jakarta and javax) answer through it.
 */
final class Exposition {

    private static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();
    private static final ExpositionFormatWriter PROMETHEUS = PrometheusTextFormatWriter.create();

    private Exposition() {}

    /** @return the writer for a request's Accept header (which may be null) */
    static ExpositionFormatWriter writer(String accept) {
        return accept != null && OPEN_METRICS.accepts(accept) ? OPEN_METRICS : PROMETHEUS;
    }

    static void write(ExpositionFormatWriter writer, MetricSnapshots snapshots, String accept, OutputStream out)
            throws IOException {
        writer.write(out, snapshots, EscapingScheme.fromAcceptHeader(accept));
    }
}
