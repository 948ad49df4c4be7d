package smtp.eventqueue;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

public class EventQueueTest {

    /** Records what is delivered, and on which thread; the integration tests use the real EventAdmin. */
    private final List<Event> delivered = Collections.synchronizedList(new ArrayList<>());
    private final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch handlersMayGoOn = new CountDownLatch(1);
    private final CountDownLatch inSlowHandler = new CountDownLatch(1);
    private volatile boolean slowHandlers;
    private volatile int refusals; // how many more events EventAdmin refuses, as when it is stopping
    private volatile int postedByHandler; // how many events the handler of the first event posts

    private final EventQueue queue = new EventQueue(new EventAdmin() {
        @Override
        public void postEvent(Event event) {
            delivered.add(event);
            threads.add("posted by " + Thread.currentThread().getName());
        }

        @Override
        public void sendEvent(Event event) {
            if (refusals > 0) {
                refusals--;
                throw new IllegalStateException("EventAdmin stopping");
            }
            if (slowHandlers) {
                inSlowHandler.countDown();
                try {
                    handlersMayGoOn.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            delivered.add(event);
            threads.add(Thread.currentThread().getName());
            int more = postedByHandler;
            postedByHandler = 0;
            for (int n = 1; n <= more; n++) {
                queue.post(event("H", n));
            }
        }
    }, "test-events");

    @After
    public void close() throws InterruptedException {
        handlersMayGoOn.countDown();
        queue.close();
    }

    private static Event event(String poster, int number) {
        return new Event("test/EVENT", Map.of("poster", poster, "number", number));
    }

    @Test
    public void theEventsOfManyPostersAreDeliveredInTheirOrderFromOneThreadAndNoneIsLost() throws Exception {
        int posters = 8;
        int each = EventQueue.CAPACITY; // more events than the queue holds: the posters wait for room
        Thread[] threadsPosting = new Thread[posters];
        for (int i = 0; i < posters; i++) {
            String poster = "P" + i;
            threadsPosting[i] = new Thread(() -> {
                for (int n = 0; n < each; n++) {
                    queue.post(event(poster, n));
                }
            });
            threadsPosting[i].start();
        }
        for (Thread poster : threadsPosting) {
            poster.join(30_000);
            assertFalse("a poster still waiting for room in the queue", poster.isAlive());
        }
        queue.close(); // delivers what is queued
        assertEquals(posters * each, delivered.size());
        assertEquals(Set.of("test-events"), new HashSet<>(threads));
        Map<Object, Integer> last = new HashMap<>();
        for (Event event : delivered) {
            int number = (Integer) event.getProperty("number");
            Integer before = last.put(event.getProperty("poster"), number);
            assertEquals("the next event of " + event.getProperty("poster"), before == null ? 0 : before + 1, number);
        }
    }

    @Test
    public void aPosterWaitsWhileTheQueueIsFullAndGoesOnOnceTheHandlersTakeEvents() throws Exception {
        slowHandlers = true;
        queue.post(event("P", 0)); // taken by the thread, which waits in the handler
        assertTrue("the thread is in the handler", inSlowHandler.await(10, TimeUnit.SECONDS));
        Thread poster = new Thread(() -> {
            for (int n = 1; n <= EventQueue.CAPACITY + 1; n++) {
                queue.post(event("P", n));
            }
        });
        poster.start();
        await(() -> poster.getState() == Thread.State.WAITING);
        assertTrue("the poster waits while the handlers do not take events", poster.isAlive());
        assertTrue(delivered.isEmpty());
        handlersMayGoOn.countDown();
        poster.join(30_000);
        assertFalse(poster.isAlive());
        queue.close();
        assertEquals(EventQueue.CAPACITY + 2, delivered.size());
    }

    @Test
    public void aHandlerThatPostsMoreThanTheQueueHoldsDoesNotWaitForItself() throws InterruptedException {
        postedByHandler = EventQueue.CAPACITY + 10;
        queue.post(event("P", 0));
        await(() -> delivered.size() == EventQueue.CAPACITY + 11);
        assertEquals(10, threads.stream().filter(t -> t.equals("posted by test-events")).count());
    }

    @Test
    public void anEventEventAdminRefusesIsSkippedAndTheThreadGoesOn() throws InterruptedException {
        refusals = 2;
        for (int n = 0; n < 4; n++) {
            queue.post(event("P", n));
        }
        queue.close();
        assertEquals(List.of(2, 3), delivered.stream().map(e -> e.getProperty("number")).toList());
    }

    @Test
    public void afterCloseEventsArePostedToEventAdminDirectly() throws InterruptedException {
        queue.post(event("P", 0));
        queue.close();
        queue.post(event("P", 1));
        assertEquals(2, delivered.size());
        assertEquals(List.of("test-events", "posted by " + Thread.currentThread().getName()), threads);
    }

    /** Waits up to 10 s, polling every 10 ms. */
    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue("condition not met within 10 s", condition.getAsBoolean());
    }
}
