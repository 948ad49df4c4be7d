package smtp.delivery.internal;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import smtp.queue.spool.internal.SpoolStore;

/**
 * Delivery service configurations for tests: the defaults, test directories under a root, and overrides. The
 * service works a real store: the file spool in {@code <root>/spool}.
 */
final class DeliveryConfigs {

    private DeliveryConfigs() {}

    static DeliveryService service(Path root, Map<String, Object> settings) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of(
                "mailboxRoot", root.resolve("mail").toString(), "localDomains", new String[] {"example.org"},
                "hostName", "mx.example.org", "retryIntervals", new int[] {1}, "timeout", 10));
        values.putAll(settings);
        return new DeliveryService((DeliveryConfiguration) Proxy.newProxyInstance(DeliveryConfigs.class.getClassLoader(),
                new Class<?>[] {DeliveryConfiguration.class},
                (proxy, method, args) -> values.getOrDefault(method.getName(), method.getDefaultValue())),
                new SpoolStore(root.resolve("spool")));
    }

    /** Asserts that the service's queue is empty, through MailQueue and through the Gogo listing. */
    static void assertEmptyQueue(DeliveryService service) {
        org.junit.Assert.assertEquals(java.util.List.of(), service.list());
        String[] lines = service.queue().split(System.lineSeparator());
        org.junit.Assert.assertEquals(2, lines.length);
        org.junit.Assert.assertTrue(lines[0], lines[0].matches("queue store: spool \\(/\\S+/spool\\)"));
        org.junit.Assert.assertEquals("0 message(s) queued", lines[1]);
    }
}
