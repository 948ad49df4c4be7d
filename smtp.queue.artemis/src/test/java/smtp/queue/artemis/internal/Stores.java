package smtp.queue.artemis.internal;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Artemis store configurations for tests: an embedded broker with its journal under a folder, and overrides. */
final class Stores {

    private Stores() {}

    static ArtemisStore embedded(Path root, Map<String, Object> settings) throws Exception {
        return embedded(root, settings, HeapGuard.REFUSE_PERCENT);
    }

    /** @param heapRefusePercent the heap's share in use from which the store refuses mail */
    static ArtemisStore embedded(Path root, Map<String, Object> settings, int heapRefusePercent) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("journalDirectory", root.resolve("queue").toString()));
        values.putAll(settings);
        return new ArtemisStore((ArtemisConfiguration) Proxy.newProxyInstance(Stores.class.getClassLoader(),
                new Class<?>[] {ArtemisConfiguration.class},
                (proxy, method, args) -> values.getOrDefault(method.getName(), method.getDefaultValue())), heapRefusePercent);
    }
}
