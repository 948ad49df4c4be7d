package smtp.queue.artemis.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.activemq.artemis.api.config.ActiveMQDefaultConfiguration;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientRequestor;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.management.ManagementHelper;
import org.apache.activemq.artemis.api.core.management.ResourceNames;

import smtp.delivery.api.DeliveryException;

/**
 * Questions to the broker's management (core messages to its management
 * address), about the mail queue: what it holds (due, held for a later
 * attempt, being delivered), counts, and the operations on one message. The
 * broker answers for the whole queue, whichever instance asks. A user of a
 * remote broker needs the {@code manage} permission on the management address.
 */
final class Management {

    private static final long TIMEOUT_MILLIS = 10_000;

    private final BrokerLink link;
    private final String queueResource;
    private final String addressResource;

    Management(BrokerLink link) {
        this.link = link;
        this.queueResource = ResourceNames.QUEUE + link.queue();
        this.addressResource = ResourceNames.ADDRESS + link.queue();
    }

    /**
     * @param filter a filter (selector) for the due messages, or the empty string for all
     * @return the queue's messages as the broker lists them (properties, no body): the due ones that match the
     *         filter, and all of those held for a later attempt or being delivered
     */
    List<Map<?, ?>> messages(String filter) throws DeliveryException {
        List<Map<?, ?>> found = new ArrayList<>();
        addMaps(found, invoke(queueResource, "listMessages", filter));
        addMaps(found, invoke(queueResource, "listScheduledMessages"));
        Object delivering = invoke(queueResource, "listDeliveringMessages");
        if (delivering instanceof Map<?, ?> byConsumer) {
            byConsumer.values().forEach(messages -> addMaps(found, messages));
        }
        return found;
    }

    long messageCount() throws DeliveryException {
        return number(attribute(queueResource, "messageCount"));
    }

    long scheduledCount() throws DeliveryException {
        return number(attribute(queueResource, "scheduledCount"));
    }

    /** @return how full the queue's address is, in percent of its maximum size (0 when it has none) */
    long addressLimitPercent() throws DeliveryException {
        return number(attribute(addressResource, "addressLimitPercent"));
    }

    /** Makes the held messages matching a filter due now. */
    void deliverScheduled(String filter) throws DeliveryException {
        invoke(queueResource, "deliverScheduledMessages", filter);
    }

    /** @return how many messages matching a filter were removed (those being delivered are not) */
    long remove(String filter) throws DeliveryException {
        return number(invoke(queueResource, "removeMessages", filter));
    }

    private Object invoke(String resource, String operation, Object... arguments) throws DeliveryException {
        return ask(message -> ManagementHelper.putOperationInvocation(message, resource, operation, arguments),
                resource + " " + operation);
    }

    private Object attribute(String resource, String attribute) throws DeliveryException {
        return ask(message -> ManagementHelper.putAttribute(message, resource, attribute), resource + " " + attribute);
    }

    private interface Question {
        void put(ClientMessage message) throws Exception;
    }

    private Object ask(Question question, String what) throws DeliveryException {
        link.requireUsable("the broker cannot be asked");
        try (ClientSession session = link.session(false);
                ClientRequestor requestor = new ClientRequestor(session,
                        ActiveMQDefaultConfiguration.getDefaultManagementAddress())) {
            ClientMessage request = session.createMessage(false);
            question.put(request);
            ClientMessage reply = requestor.request(request, TIMEOUT_MILLIS);
            if (reply == null) {
                throw new DeliveryException("the broker did not answer " + what + " within " + TIMEOUT_MILLIS / 1000 + " s",
                        false);
            }
            if (!ManagementHelper.hasOperationSucceeded(reply)) {
                throw new DeliveryException("the broker refused " + what + ": " + ManagementHelper.getResult(reply), false);
            }
            return ManagementHelper.getResult(reply);
        } catch (DeliveryException e) {
            throw e;
        } catch (Exception e) {
            throw new DeliveryException("cannot ask the broker (" + what + "): " + BrokerLink.describe(e), false, e);
        }
    }

    private static void addMaps(List<Map<?, ?>> into, Object result) {
        if (result instanceof Object[] array) {
            for (Object element : array) {
                if (element instanceof Map<?, ?> map) {
                    into.add(map);
                }
            }
        }
    }

    private static long number(Object value) {
        if (value instanceof Number number) {
            return number.longValue();
        }
        return value == null ? 0 : Long.parseLong(value.toString());
    }
}
