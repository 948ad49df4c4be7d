package smtp.server.internal.session;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

public class SessionDeadlinesTest {

    @Test
    public void aDeadlineCancelledAtTheEndOfItsSessionLeavesTheTimerAtOnce() {
        ScheduledExecutorService deadlines = Sessions.deadlineTimer();
        try {
            List<ScheduledFuture<?>> sessions = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sessions.add(deadlines.schedule(() -> {}, 30, TimeUnit.MINUTES));
            }
            assertEquals(1000, ((ScheduledThreadPoolExecutor) deadlines).getQueue().size());
            sessions.forEach(deadline -> deadline.cancel(false));
            assertEquals(0, ((ScheduledThreadPoolExecutor) deadlines).getQueue().size());
        } finally {
            deadlines.shutdownNow();
        }
    }
}
