package smtp.eventqueue;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events to EventAdmin from one thread of its own, in the order they were given, so that the threads that
 * serve mail never wait for the handlers.
 * <p>
 * EventAdmin's own asynchronous delivery ({@link EventAdmin#postEvent}) keeps order per posting thread: every
 * session thread that posts while no delivery of its events is under way starts one on EventAdmin's thread pool, a
 * thread hand-off for nearly every event, as a session posts its few events milliseconds apart. Here the posting
 * threads put their events into one queue, which this thread empties by delivering each event synchronously
 * ({@link EventAdmin#sendEvent}). Finding the queue empty, it naps for {@link #GATHER_NANOS} before it waits
 * to be woken, so that while mail flows it takes the events gathered meanwhile one after the other and a poster
 * seldom has to wake it; an event posted to an idle queue is delivered at once. The events
 * of a session stay in order, and so do the events of all posters, in the order they were put.
 * <p>
 * The queue holds at most {@link #CAPACITY} events: a poster that finds it full waits for room, so that handlers
 * slower than the mail hold the mail back instead of filling the heap; a handler that posts while the queue is full
 * (it runs on this queue's thread, which alone makes room) has its events posted to EventAdmin directly. EventAdmin itself stops waiting for a handler
 * that takes too long (its {@code org.apache.felix.eventadmin.Timeout}), unless it is told to ignore that handler's
 * timeouts.
 */
public final class EventQueue {

    private static final Logger LOG = LoggerFactory.getLogger(EventQueue.class);

    /** The most events waiting for their handlers. */
    public static final int CAPACITY = 4096;

    /** How long {@link #close} waits for the events still queued to be delivered. */
    public static final long CLOSE_MILLIS = 10_000;

    /**
     * How long the thread naps when it finds the queue empty, before it waits to be woken: while mail flows, events
     * gather meanwhile and the posters, finding nobody waiting, need not wake it.
     */
    static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(4);

    private static final Event END = new Event("smtp/eventqueue/END", Map.of());

    private final EventAdmin eventAdmin;
    private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>(CAPACITY);
    private final Thread thread;
    private volatile boolean closed;
    private int failures; // events EventAdmin did not take; only the delivering thread counts

    /** @param name the name of the thread that delivers the events */
    public EventQueue(EventAdmin eventAdmin, String name) {
        this.eventAdmin = eventAdmin;
        this.thread = new Thread(this::deliver, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** @return whether this queue hands its events to that EventAdmin */
    public boolean deliversTo(EventAdmin eventAdmin) {
        return this.eventAdmin == eventAdmin;
    }

    /** Puts the event in the queue; once closed, posts it to EventAdmin directly. */
    public void post(Event event) {
        if (closed) {
            eventAdmin.postEvent(event);
            return;
        }
        if (Thread.currentThread() == thread) { // a handler posting: waiting for room it alone makes would never end
            if (!queue.offer(event)) {
                eventAdmin.postEvent(event);
            }
            return;
        }
        try {
            queue.put(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            eventAdmin.postEvent(event);
            return;
        }
        if (closed && queue.remove(event)) { // closed while putting: the thread may be gone
            eventAdmin.postEvent(event);
        }
    }

    private void deliver() {
        while (true) {
            Event event = queue.poll();
            try {
                if (event == null) {
                    LockSupport.parkNanos(GATHER_NANOS);
                    event = queue.poll();
                }
                if (event == null) {
                    event = queue.take();
                }
            } catch (InterruptedException e) {
                return;
            }
            if (event == END) {
                return;
            }
            try {
                eventAdmin.sendEvent(event);
            } catch (RuntimeException e) { // EventAdmin going away; handlers' own failures it logs itself
                if (failures++ == 0) {
                    LOG.warn("Event {} not delivered: {}; later failures are counted when the queue closes",
                            event.getTopic(), e.toString());
                }
            }
        }
    }

    /** Delivers the events already queued, waiting at most {@link #CLOSE_MILLIS}, and ends the thread. */
    public void close() throws InterruptedException {
        closed = true;
        if (!queue.offer(END, CLOSE_MILLIS, TimeUnit.MILLISECONDS)) {
            LOG.warn("Event handlers did not take the {} events queued within {} ms; they are dropped", queue.size(),
                    CLOSE_MILLIS);
            thread.interrupt();
            return;
        }
        thread.join(CLOSE_MILLIS);
        if (thread.isAlive()) {
            LOG.warn("Event handlers did not take the events queued within {} ms; the rest are dropped", CLOSE_MILLIS);
            thread.interrupt();
        } else if (failures > 1) {
            LOG.warn("{} events were not delivered: EventAdmin did not take them", failures);
        }
    }
}
