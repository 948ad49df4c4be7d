package smtp.webconsole.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;
import org.osgi.service.event.Event;

import smtp.delivery.api.DeliveryEvents;

public class ChartsTest {

    @Test
    public void theHourHasAMinuteForEachMinuteAndDeferralsCountInTheirs() {
        History history = new History();
        history.handleEvent(new Event(DeliveryEvents.DEFERRED, Map.of()));
        history.handleEvent(new Event(DeliveryEvents.DEFERRED, Map.of()));
        List<History.Minute> hour = history.lastHour();
        assertEquals(History.MINUTES, hour.size());
        assertEquals(2, hour.get(hour.size() - 1).deferred);
        for (int i = 1; i < hour.size(); i++) {
            assertEquals("one minute after the other", hour.get(i - 1).minute + 1, hour.get(i).minute);
        }
        assertEquals("without a queue, its depth is not known", -1, hour.get(hour.size() - 1).queue);
    }

    @Test
    public void eachChartDrawsABarAMinuteScaledToItsHighestAndSaysItsTotal() {
        History history = new History();
        List<History.Minute> hour = history.lastHour();
        hour.get(10).accepted = 4;
        hour.get(59).accepted = 8;
        hour.get(59).queue = 5;
        StringWriter html = new StringWriter();
        Charts.render(new PrintWriter(html, true), hour);
        String page = html.toString();
        for (String chart : new String[] {"accepted", "refused", "deferred", "sessions", "queue"}) {
            String figure = figure(page, chart);
            assertEquals(chart, 60, count(figure, "class='bar'"));
        }
        String accepted = figure(page, "accepted");
        assertTrue(accepted, accepted.contains("data-total='12' data-latest='8'"));
        assertTrue(accepted, accepted.contains("last hour: 12, this minute: 8"));
        assertTrue("the highest bar fills the chart", accepted.contains("y='0' width='8' height='80'"));
        assertTrue("half as high for half the value", accepted.contains("y='40' width='8' height='40'"));
        assertTrue(figure(page, "queue").contains("now: 5, most: 5"));
        assertTrue(figure(page, "sessions").contains("now: 0, most: 0"));
        assertTrue("titles are escaped", page.contains("Refused per minute (messages, and connections over a limit)"));
    }

    private static String figure(String page, String chart) {
        int start = page.indexOf("id='smtp-chart-" + chart + "'");
        return page.substring(start, page.indexOf("</figure>", start));
    }

    private static int count(String text, String part) {
        Matcher matcher = Pattern.compile(Pattern.quote(part)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
