package smtp.delivery.internal;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Delivery service configurations for tests: the defaults, test directories under a root, and overrides. */
final class DeliveryConfigs {

    private DeliveryConfigs() {}

    static DeliveryService service(Path root, Map<String, Object> settings) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("spoolDirectory", root.resolve("spool").toString(),
                "mailboxRoot", root.resolve("mail").toString(), "localDomains", new String[] {"example.org"},
                "hostName", "mx.example.org", "retryIntervals", new int[] {1}, "timeout", 10));
        values.putAll(settings);
        return new DeliveryService((DeliveryConfiguration) Proxy.newProxyInstance(DeliveryConfigs.class.getClassLoader(),
                new Class<?>[] {DeliveryConfiguration.class},
                (proxy, method, args) -> values.getOrDefault(method.getName(), method.getDefaultValue())));
    }
}
