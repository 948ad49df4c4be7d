package smtp.webconsole.internal;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.osgi.service.event.Event;

public class RecentEventsTest {

    @Test
    public void theLatestEventsOfEachSideAreKeptNewestFirstWithTheirPropertiesByName() {
        RecentEvents events = new RecentEvents();
        for (int i = 0; i < RecentEvents.KEPT + 5; i++) {
            events.handleEvent(new Event("smtp/MessageReceived", Map.of("timestamp", 1000L + i, "sessionId", "S" + i,
                    "recipients", new String[] {"a@example.org"})));
        }
        events.handleEvent(new Event("smtp/delivery/Delivered", Map.of("queueId", "Q1")));

        List<RecentEvents.Entry> listener = events.listenerEvents();
        assertEquals(RecentEvents.KEPT, listener.size());
        RecentEvents.Entry newest = listener.get(0);
        assertEquals("MessageReceived", newest.topic());
        assertEquals(1000L + RecentEvents.KEPT + 4, newest.time());
        assertEquals(List.of("recipients", "sessionId", "timestamp"), List.copyOf(newest.properties().keySet()));
        assertEquals("S" + (RecentEvents.KEPT + 4), newest.properties().get("sessionId"));
        assertEquals("the oldest ones went", "S5", listener.get(RecentEvents.KEPT - 1).properties().get("sessionId"));

        List<RecentEvents.Entry> delivery = events.deliveryEvents();
        assertEquals(1, delivery.size());
        assertEquals("delivery/Delivered", delivery.get(0).topic());
        assertEquals("without a timestamp, when it came", delivery.get(0).arrived(), delivery.get(0).time());
        assertEquals(Map.of("queueId", "Q1"), delivery.get(0).properties());
    }
}
