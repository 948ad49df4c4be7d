package smtp.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The exported app's {@code /metrics} as Prometheus scrapes it: real SMTP
 * traffic (accepted mail, a mail loop refused, a rate limit asked) shows in
 * the counters and histograms; a policy plugin's series go with its
 * configuration, the listener's with its bundle; OpenMetrics is served to a
 * scraper that asks for it.
 */
public class MetricsIT {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private ExportedApp app;
    private String binding;

    @Before
    public void start() throws Exception {
        app = new ExportedApp(folder.newFolder("app").toPath(), "smtp.jar");
        binding = "binding=\"127.0.0.1:" + app.smtp + "\"";
    }

    @After
    public void stop() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    @Test
    public void realTrafficIsCountedAndSeriesGoWithWhatMadeThem() throws Exception {
        // what the start left (the app's start was awaited by connecting, over STARTTLS too)
        Map<String, Double> before = parse(get(null).body());
        double connections = before.getOrDefault("smtp_connections_total{" + binding + "}", 0.0);
        double closedPlain = before.getOrDefault("smtp_sessions_closed_total{" + binding + ",tls=\"false\"}", 0.0);
        double closedTls = before.getOrDefault("smtp_sessions_closed_total{" + binding + ",tls=\"true\"}", 0.0);
        app.send(app.smtp, "one"); // over STARTTLS, as each app.send
        app.send(app.smtp, "two");
        assertEquals(2, app.awaitMessages("bob", 2));
        assertTrue(sendRaw("Received: from a.test\r\n".repeat(60) + "Subject: loop\r\n\r\nlooping\r\n").startsWith("554 5.4.6"));

        Path limit = app.home.resolve("conf/smtp.policy.ratelimit-metrics.config");
        Files.writeString(limit, "name=\"per-client\"\nkey=\"client\"\nmax=I\"100\"\n");
        awaitLog("Policy plugin ratelimit:per-client in use");
        app.send(app.smtp, "three");
        assertEquals(3, app.awaitMessages("bob", 3));

        Map<String, Double> metrics = awaitScrape(scraped -> value(scraped, "smtp_sessions_closed_total{" + binding
                + ",tls=\"true\"}") == closedTls + 3 && value(scraped, "smtp_sessions_closed_total{" + binding
                + ",tls=\"false\"}") == closedPlain + 1 && value(scraped, "smtp_delivery_attempts_total{outcome=\"delivered\"}") == 3);
        assertEquals(connections + 4, value(metrics, "smtp_connections_total{" + binding + "}"), 0);
        assertEquals(3, value(metrics, "smtp_messages_accepted_total{" + binding + "}"), 0);
        assertEquals(1, value(metrics, "smtp_messages_refused_total{" + binding + ",reason=\"loop\"}"), 0);
        assertTrue(value(metrics, "smtp_accepted_bytes_total{" + binding + "}") > 3 * 20);
        assertEquals(3, value(metrics, "smtp_accept_latency_seconds_count{" + binding + "}"), 0);
        assertEquals(3, value(metrics, "smtp_accept_latency_seconds_bucket{" + binding + ",le=\"+Inf\"}"), 0);
        double previous = 0;
        for (String le : new String[] {"5.0E-4", "0.001", "0.01", "0.1", "1.0", "10.0", "+Inf"}) {
            double bucket = value(metrics, "smtp_accept_latency_seconds_bucket{" + binding + ",le=\"" + le + "\"}");
            assertTrue("buckets add up: " + le, bucket >= previous);
            previous = bucket;
        }
        assertEquals(0, value(metrics, "smtp_sessions_open{" + binding + "}"), 0);
        assertEquals(0, value(metrics, "smtp_connections_refused_total{reason=\"max-connections\"}"), 0);
        assertEquals(0, value(metrics, "smtp_connections_refused_total{reason=\"max-per-client\"}"), 0);
        assertEquals(3, value(metrics, "smtp_delivery_latency_seconds_count{transport=\"local\"}"), 0);
        assertEquals(0, value(metrics, "smtp_queue_messages{state=\"ready\"}"), 0);
        assertEquals(0, value(metrics, "smtp_queue_messages{state=\"deferred\"}"), 0);
        assertEquals(1, value(metrics, "smtp_queue_available"), 0);
        assertTrue(metrics.toString(), sum(metrics, name -> name.startsWith("smtp_policy_verdicts_total{")
                && name.contains("policy=\"ratelimit:per-client\"") && name.contains("action=\"CONTINUE\"")) >= 1);
        String text = get(null).body();
        assertTrue(text, text.contains("# TYPE smtp_accept_latency_seconds histogram")
                && text.contains("# TYPE smtp_messages_accepted_total counter") && text.contains("# HELP smtp_queue_messages "));

        // the rate limit's configuration is deleted: its plugin and its series are gone
        Files.delete(limit);
        awaitLog("Policy plugin rate limit per-client removed");
        metrics = awaitScrape(scraped -> sum(scraped, name -> name.contains("ratelimit")) == 0);
        assertEquals(3, value(metrics, "smtp_messages_accepted_total{" + binding + "}"), 0);

        // OpenMetrics, for a scraper that asks for it
        HttpResponse<String> open = get("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertTrue(open.headers().firstValue("Content-Type").orElse(""),
                open.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(open.body(), open.body().endsWith("# EOF\n"));
        assertTrue(open.body(), open.body().contains("smtp_messages_accepted_total{" + binding + "} 3.0"));

        // the listener's bundle stops: its series go; delivery's stay
        assertEquals(200, bundleAction("smtp.server", "stop"));
        app.awaitAccepting(app.smtp, false);
        metrics = awaitScrape(scraped -> !scraped.containsKey("smtp_messages_accepted_total{" + binding + "}"));
        assertFalse(metrics.toString(), metrics.keySet().stream().anyMatch(name -> name.startsWith("smtp_sessions_open")
                || name.startsWith("smtp_accept_latency") || name.startsWith("smtp_connections")));
        assertEquals(3, value(metrics, "smtp_delivery_attempts_total{outcome=\"delivered\"}"), 0);
        assertEquals(200, bundleAction("smtp.server", "start"));
        app.awaitAccepting(app.smtp, true);
        awaitScrape(scraped -> scraped.containsKey("smtp_sessions_open{" + binding + "}"));
    }

    // ---- scraping

    private HttpResponse<String> get(String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.http + "/metrics"))
                .timeout(Duration.ofSeconds(10));
        if (accept != null) {
            request.header("Accept", accept);
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(response.body(), 200, response.statusCode());
        return response;
    }

    /** @return each sample of the Prometheus text format: name with labels, and value */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    /** Scrapes (30 s at most) until the samples pass the check, and returns them. */
    private Map<String, Double> awaitScrape(Predicate<Map<String, Double>> check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Double> samples;
        do {
            samples = parse(get(null).body());
            if (check.test(samples)) {
                return samples;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the metrics did not come to the expected state: " + samples);
    }

    private static double value(Map<String, Double> samples, String series) {
        Double value = samples.get(series);
        if (value == null) {
            throw new AssertionError("no series " + series + " in " + samples.keySet());
        }
        return value;
    }

    private static double sum(Map<String, Double> samples, Predicate<String> series) {
        return samples.entrySet().stream().filter(sample -> series.test(sample.getKey())).mapToDouble(Map.Entry::getValue)
                .sum();
    }

    // ---- the app

    private void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!app.log().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the app never logged '" + text + "'");
            }
            Thread.sleep(100);
        }
    }

    /** Stops or starts a bundle through the web console's Bundles page, as an administrator's click does. */
    private int bundleAction(String symbolicName, String action) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.http + "/system/console/bundles/"
                + symbolicName)).header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "admin:admin".getBytes(StandardCharsets.US_ASCII)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=" + action)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Sends one message in plain SMTP; returns the reply to its end. */
    private String sendRaw(String message) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", app.smtp)) {
            socket.setSoTimeout(15_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            String reply = reply(in);
            for (String command : new String[] {"EHLO metrics.test", "MAIL FROM:<m@metrics.test>", "RCPT TO:<bob@example.org>",
                "DATA"}) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply = reply(in);
            }
            assertTrue(reply, reply.startsWith("354"));
            out.write((message + ".\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply(in);
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        for (int lines = 0; lines < 50; lines++) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                return line;
            }
        }
        throw new IOException("a reply of more than 50 lines");
    }
}
