package smtp.webconsole.internal;

import java.util.Dictionary;

/** Readable names for binding configurations, whose PIDs are opaque. */
final class BindingNames {

    private BindingNames() {}

    /** @return "127.0.0.1 port 25 starttls" (after the binding's name, when it has one), from the configuration's properties, or the PID when there are none */
    static String of(String pid, Dictionary<String, Object> properties) {
        if (properties == null) {
            return pid;
        }
        String where = firstGiven(properties, "address", "interfaceName", "usage");
        Object port = properties.get("port");
        Object tlsMode = properties.get("tlsMode");
        String description = (where == null ? "internal" : where) + " port " + (port == null ? "25" : port)
                + (tlsMode == null || "none".equals(tlsMode) ? "" : " " + tlsMode);
        String name = firstGiven(properties, "name");
        return name == null ? description : name + " (" + description + ")";
    }

    private static String firstGiven(Dictionary<String, Object> properties, String... keys) {
        for (String key : keys) {
            Object value = properties.get(key);
            if (value != null && !value.toString().isBlank()) {
                return value.toString().trim();
            }
        }
        return null;
    }
}
