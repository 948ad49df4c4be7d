package smtp.webconsole.internal;

import static org.junit.Assert.assertEquals;

import java.util.List;

import org.apache.felix.hc.api.Result;
import org.junit.Test;

import smtp.server.api.CountersDTO;
import smtp.delivery.api.QueueStatusDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;
import smtp.server.spi.SessionDTO;

public class HealthTest {

    private static EndpointDTO endpoint(String binding, String state, String reason) {
        EndpointDTO dto = new EndpointDTO();
        dto.binding = binding;
        dto.description = "binding " + binding;
        dto.address = EndpointDTO.LISTENING.equals(state) ? "127.0.0.1" : null;
        dto.port = 2525;
        dto.tlsMode = "none";
        dto.state = state;
        dto.reason = reason;
        return dto;
    }

    private static ListenerStatus listener(EndpointDTO... endpoints) {
        return new ListenerStatus() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public List<EndpointDTO> endpoints() {
                return List.of(endpoints);
            }

            @Override
            public List<SessionDTO> sessions() {
                return List.of();
            }

            @Override
            public CountersDTO counters() {
                return new CountersDTO();
            }
        };
    }

    @Test
    public void eachBindingIsJudgedByItsOwnEndpoints() {
        ListenerStatus status = listener(endpoint("a", EndpointDTO.LISTENING, null),
                endpoint("b", EndpointDTO.FAILED, "Address already in use"), endpoint("c", EndpointDTO.DISABLED, "off"));
        assertEquals(Result.Status.OK, Health.binding(status, "a").getStatus());
        Result failed = Health.binding(status, "b");
        assertEquals(Result.Status.CRITICAL, failed.getStatus());
        assertEquals("binding b FAILED: Address already in use", failed.iterator().next().getMessage());
        assertEquals(Result.Status.WARN, Health.binding(status, "c").getStatus());
        assertEquals(Result.Status.CRITICAL, Health.binding(status, "unknown").getStatus());
        assertEquals(Result.Status.CRITICAL, Health.listener(status).getStatus());
        assertEquals(Result.Status.OK, Health.listener(listener(endpoint("a", EndpointDTO.LISTENING, null))).getStatus());
    }

    @Test
    public void aMissingListenerOrDeliveryIsCritical() {
        assertEquals(Result.Status.CRITICAL, Health.listener(null).getStatus());
        assertEquals(Result.Status.CRITICAL, Health.binding(null, "a").getStatus());
        assertEquals(Result.Status.CRITICAL, Health.delivery(false, null).getStatus());
    }

    @Test
    public void aQueueThatTakesNoMailIsCriticalAndSaysWhy() {
        QueueStatusDTO queue = new QueueStatusDTO();
        queue.store = "artemis";
        queue.location = "tcp://mq1:61616";
        queue.available = false;
        queue.problem = "the broker cannot be reached";
        Result down = Health.delivery(true, queue);
        assertEquals(Result.Status.CRITICAL, down.getStatus());
        assertEquals("the mail queue (artemis, tcp://mq1:61616) does not take mail, so the listener answers 451: "
                + "the broker cannot be reached", down.iterator().next().getMessage());
        queue.available = true;
        queue.problem = null;
        queue.messages = 3;
        queue.deferred = 1;
        Result up = Health.delivery(true, queue);
        assertEquals(Result.Status.OK, up.getStatus());
        assertEquals("delivery is running: 3 queued, 1 deferred (artemis, tcp://mq1:61616)", up.iterator().next().getMessage());
    }
}
