package smtp.webconsole.internal;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The SMTP page's charts of the last hour, drawn on the server as SVG bars: they
 * need no script and no image service. Each bar carries its minute and value
 * ({@code data-minute}, {@code data-value}) and a tooltip; each chart's caption
 * says its total and its latest value in words.
 */
final class Charts {

    static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());
    private static final int BAR = 10;
    private static final int HEIGHT = 80;

    private Charts() {}

    static void render(PrintWriter out, List<History.Minute> hour) {
        out.println("<h2>The last hour</h2>");
        out.println("<div id='smtp-charts' style='display:flex;flex-wrap:wrap;gap:12px'>");
        chart(out, "accepted", "Messages accepted per minute", hour, minute -> minute.accepted, true, "#2e7d32");
        chart(out, "refused", "Refused per minute (messages, and connections over a limit)", hour,
                minute -> minute.refused, true, "#c62828");
        chart(out, "deferred", "Deliveries deferred per minute", hour, minute -> minute.deferred, true, "#ef6c00");
        chart(out, "sessions", "Sessions open (most in the minute)", hour, minute -> minute.sessions, false, "#1565c0");
        chart(out, "queue", "Messages in the queue", hour, minute -> Math.max(0, minute.queue), false, "#6a1b9a");
        out.println("</div>");
    }

    /**
     * @param summed whether the values add up over the hour (counts per minute) or are levels (sessions, queue
     *        depth), which the caption gives as the latest value
     */
    private static void chart(PrintWriter out, String id, String title, List<History.Minute> hour,
            ToLongFunction<History.Minute> value, boolean summed, String colour) {
        long most = 0;
        long total = 0;
        for (History.Minute minute : hour) {
            most = Math.max(most, value.applyAsLong(minute));
            total += value.applyAsLong(minute);
        }
        long max = Math.max(1, most); // the scale: the highest bar fills the chart
        long latest = hour.isEmpty() ? 0 : value.applyAsLong(hour.get(hour.size() - 1));
        int width = hour.size() * BAR;
        StringBuilder svg = new StringBuilder();
        svg.append("<figure class='smtp-chart' id='smtp-chart-").append(id).append("' data-total='").append(total)
                .append("' data-latest='").append(latest).append("' style='margin:0'>");
        svg.append("<figcaption><b>").append(Html.escape(title)).append("</b><br><small>")
                .append(summed ? "last hour: " + total + ", this minute: " + latest : "now: " + latest + ", most: " + most)
                .append("</small></figcaption>");
        svg.append("<svg xmlns='http://www.w3.org/2000/svg' role='img' width='").append(width).append("' height='")
                .append(HEIGHT + 14).append("' viewBox='0 0 ").append(width).append(' ').append(HEIGHT + 14)
                .append("'><title>").append(Html.escape(title)).append("</title>");
        svg.append("<rect x='0' y='0' width='").append(width).append("' height='").append(HEIGHT)
                .append("' fill='#f5f5f5'/>");
        for (int i = 0; i < hour.size(); i++) {
            History.Minute minute = hour.get(i);
            long v = value.applyAsLong(minute);
            int height = v == 0 ? 0 : Math.max(1, (int) Math.round((double) v * HEIGHT / max));
            String when = MINUTE.format(Instant.ofEpochMilli(minute.start()));
            svg.append("<rect class='bar' x='").append(i * BAR + 1).append("' y='").append(HEIGHT - height)
                    .append("' width='").append(BAR - 2).append("' height='").append(height).append("' fill='")
                    .append(colour).append("' data-minute='").append(when).append("' data-value='").append(v)
                    .append("'><title>").append(when).append(": ").append(v).append("</title></rect>");
        }
        String first = hour.isEmpty() ? "" : MINUTE.format(Instant.ofEpochMilli(hour.get(0).start()));
        svg.append("<text x='0' y='").append(HEIGHT + 12).append("' font-size='10'>").append(first).append("</text>");
        svg.append("<text x='").append(width).append("' y='").append(HEIGHT + 12)
                .append("' font-size='10' text-anchor='end'>now</text>");
        svg.append("</svg></figure>");
        out.println(svg);
    }
}
