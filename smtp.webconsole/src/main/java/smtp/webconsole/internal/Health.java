package smtp.webconsole.internal;

import java.util.List;
import java.util.function.Predicate;

import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;

import smtp.delivery.api.QueueStatusDTO;
import smtp.server.api.EndpointDTO;
import smtp.server.api.ListenerStatus;

/**
 * How healthy the listener, a binding and delivery are, as Felix health check
 * results. Listening is OK; disabled, draining or waiting is WARN; failed, or
 * the listener or delivery not running, is CRITICAL.
 */
final class Health {

    private Health() {}

    static Result.Status statusOf(EndpointDTO endpoint) {
        return switch (endpoint.state) {
            case EndpointDTO.LISTENING -> Result.Status.OK;
            case EndpointDTO.FAILED -> Result.Status.CRITICAL;
            default -> Result.Status.WARN;
        };
    }

    /** @return the health of every endpoint of the listener */
    static Result listener(ListenerStatus status) {
        return endpoints(status, endpoint -> true, "the listener has no endpoint");
    }

    /** @return the health of one binding's endpoints */
    static Result binding(ListenerStatus status, String pid) {
        return endpoints(status, endpoint -> pid.equals(endpoint.binding), "the listener does not know binding " + pid + " (yet)");
    }

    private static Result endpoints(ListenerStatus status, Predicate<EndpointDTO> selected, String noneMessage) {
        if (status == null) {
            return new Result(Result.Status.CRITICAL, "the SMTP listener (bundle smtp.server) is not running");
        }
        List<EndpointDTO> endpoints = status.endpoints().stream().filter(selected).toList();
        if (endpoints.isEmpty()) {
            return new Result(Result.Status.CRITICAL, noneMessage);
        }
        ResultLog log = new ResultLog();
        for (EndpointDTO endpoint : endpoints) {
            log.add(new ResultLog.Entry(statusOf(endpoint), describe(endpoint)));
        }
        return new Result(log);
    }

    /** @return "127.0.0.1:25 LISTENING (2 sessions)" or "binding X FAILED: reason" */
    static String describe(EndpointDTO endpoint) {
        return (endpoint.address == null ? endpoint.description : where(endpoint)) + " " + endpoint.state
                + (endpoint.reason == null ? "" : ": " + endpoint.reason)
                + (endpoint.sessions > 0 ? " (" + endpoint.sessions + " sessions)" : "");
    }

    /** @return "127.0.0.1:25" or "[::1]:25"; the endpoint must have an address */
    static String where(EndpointDTO endpoint) {
        return (endpoint.address.contains(":") ? "[" + endpoint.address + "]" : endpoint.address) + ":" + endpoint.port;
    }

    /**
     * @param running whether the delivery service is there
     * @param queue the state of its queue's store, or null while there is no queue service
     */
    static Result delivery(boolean running, QueueStatusDTO queue) {
        if (!running) {
            return new Result(Result.Status.CRITICAL, "the delivery service (bundle smtp.delivery) is not running");
        }
        if (queue == null) {
            return new Result(Result.Status.OK, "delivery is running");
        }
        if (!queue.available) {
            return new Result(Result.Status.CRITICAL, "the mail queue (" + queue.store + ", " + queue.location
                    + ") does not take mail, so the listener answers 451: " + queue.problem);
        }
        return new Result(Result.Status.OK, "delivery is running: " + queue.messages + " queued, " + queue.deferred
                + " deferred (" + queue.store + ", " + queue.location + ")");
    }
}
