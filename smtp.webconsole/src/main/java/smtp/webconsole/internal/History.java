package smtp.webconsole.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import smtp.delivery.api.DeliveryEvents;
import smtp.delivery.api.MailQueue;
import smtp.delivery.api.QueueStatusDTO;
import smtp.server.api.CountersDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;

/**
 * The last hour, minute by minute, for the SMTP page's charts: messages
 * accepted, refused (messages refused at their end and connections refused over
 * a limit) and deliveries deferred in each minute, and the most sessions open
 * and the queue's depth seen in it. The listener's counters are read every
 * {@value #SAMPLE_SECONDS} seconds and whenever the page is drawn; deferrals are
 * counted from delivery's events. Kept in memory from the bundle's start.
 */
@Component(service = {History.class, EventHandler.class},
        property = EventConstants.EVENT_TOPIC + "=" + DeliveryEvents.DEFERRED)
public final class History implements EventHandler {

    static final int MINUTES = 60;
    static final int SAMPLE_SECONDS = 5;
    private static final long MINUTE_MILLIS = 60_000;

    /** One minute of the hour. */
    static final class Minute {
        final long minute;
        long accepted;
        long refused;
        long deferred;
        long sessions;
        long queue = -1;

        Minute(long minute) {
            this.minute = minute;
        }

        /** @return when the minute began, ms since the epoch */
        long start() {
            return minute * MINUTE_MILLIS;
        }
    }

    private final List<Minute> minutes = new ArrayList<>();
    private ScheduledExecutorService sampler;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ListenerStatus listener;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailQueue queue;

    /** The listener's counters at the last sample, or null before the first. */
    private CountersDTO last;

    @Activate
    void activate() {
        sampler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "smtp-console-history");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_SECONDS, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        sampler.shutdownNow();
    }

    @Override
    public void handleEvent(Event event) {
        synchronized (minutes) {
            current(System.currentTimeMillis()).deferred++;
        }
    }

    /** Reads the listener and the queue into the current minute. */
    void sample() {
        ListenerStatus status = listener;
        CountersDTO counters = null;
        long sessions = 0;
        if (status != null) {
            counters = status.counters();
            for (EndpointDTO endpoint : status.endpoints()) {
                sessions += endpoint.sessions;
            }
        }
        MailQueue mailQueue = queue;
        QueueStatusDTO queued = mailQueue == null ? null : mailQueue.status();
        long now = System.currentTimeMillis();
        synchronized (minutes) {
            Minute minute = current(now);
            if (counters != null) {
                if (last != null) {
                    boolean restarted = counters.since != last.since;
                    minute.accepted += growth(restarted ? 0 : last.messagesAccepted, counters.messagesAccepted);
                    minute.refused += growth(restarted ? 0 : last.messagesRejected + last.connectionsRefused,
                            counters.messagesRejected + counters.connectionsRefused);
                }
                last = counters;
            }
            minute.sessions = Math.max(minute.sessions, sessions);
            if (queued != null && queued.messages >= 0) {
                minute.queue = queued.messages;
            }
        }
    }

    private static long growth(long before, long now) {
        return now >= before ? now - before : now;
    }

    /** @return the minute of the time, made (and the oldest dropped) when it is new; call holding {@code minutes} */
    private Minute current(long now) {
        long minute = now / MINUTE_MILLIS;
        Minute newest = minutes.isEmpty() ? null : minutes.get(minutes.size() - 1);
        if (newest != null && newest.minute == minute) {
            return newest;
        }
        Minute made = new Minute(minute);
        minutes.add(made);
        minutes.removeIf(kept -> kept.minute <= minute - MINUTES);
        return made;
    }

    /**
     * @return the last hour, oldest first, one entry per minute (minutes with nothing recorded are empty ones), after a
     *         sample taken now
     */
    List<Minute> lastHour() {
        sample();
        long now = System.currentTimeMillis() / MINUTE_MILLIS;
        List<Minute> hour = new ArrayList<>(MINUTES);
        synchronized (minutes) {
            int next = 0;
            for (long minute = now - MINUTES + 1; minute <= now; minute++) {
                while (next < minutes.size() && minutes.get(next).minute < minute) {
                    next++;
                }
                if (next < minutes.size() && minutes.get(next).minute == minute) {
                    hour.add(copy(minutes.get(next)));
                } else {
                    hour.add(new Minute(minute));
                }
            }
        }
        return hour;
    }

    private static Minute copy(Minute minute) {
        Minute copy = new Minute(minute.minute);
        copy.accepted = minute.accepted;
        copy.refused = minute.refused;
        copy.deferred = minute.deferred;
        copy.sessions = minute.sessions;
        copy.queue = minute.queue;
        return copy;
    }
}
