package smtp.webconsole.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Paths;
import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Switches the SMTP server and its bindings on and off. It changes their
 * configuration ({@code enabled}), so the change survives a restart: a
 * configuration that came from a File Install file ({@code conf/*.config} or
 * {@code .cfg}) gets the new value in that file too, written to a temporary file
 * and renamed over it, so that File Install never reads half a file; others are
 * kept by Configuration Admin's own store.
 */
final class Controls {

    static final String SERVER_PID = "smtp.server";
    static final String BINDING_FACTORY_PID = "smtp.server.binding";
    static final String ENABLED = "enabled";
    /** Where File Install notes the file a configuration came from (a file: URI). */
    static final String FILE = "felix.fileinstall.filename";

    private final ConfigurationAdmin configurationAdmin;

    Controls(ConfigurationAdmin configurationAdmin) {
        this.configurationAdmin = configurationAdmin;
    }

    /** @return what was done, for people */
    String setServerEnabled(boolean enabled) throws IOException {
        boolean changed = setEnabled(configurationAdmin.getConfiguration(SERVER_PID, "?"), enabled);
        return "SMTP server " + (changed ? "" : "already ") + (enabled ? "enabled" : "disabled")
                + (changed && !enabled ? "; live sessions may finish their messages" : "");
    }

    /**
     * @param pid the PID of an {@value #BINDING_FACTORY_PID} configuration
     * @return what was done, for people
     * @throws IllegalArgumentException if there is no such binding
     */
    String setBindingEnabled(String pid, boolean enabled) throws IOException {
        boolean changed = setEnabled(binding(pid), enabled);
        return "Binding " + pid + " " + (changed ? "" : "already ") + (enabled ? "enabled" : "disabled");
    }

    private Configuration binding(String pid) throws IOException {
        Configuration[] found;
        try {
            found = configurationAdmin.listConfigurations("(&(" + ConfigurationAdmin.SERVICE_FACTORYPID + "="
                    + BINDING_FACTORY_PID + ")(" + org.osgi.framework.Constants.SERVICE_PID + "=" + escape(pid) + "))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("'" + pid + "' is not a binding PID", e);
        }
        if (found == null || found.length == 0) {
            throw new IllegalArgumentException("there is no binding " + pid + "; smtp:status lists the bindings");
        }
        return found[0];
    }

    /** @return whether the configuration changed */
    private static boolean setEnabled(Configuration configuration, boolean enabled) throws IOException {
        Dictionary<String, Object> properties = configuration.getProperties();
        if (properties == null) {
            properties = new Hashtable<>();
        }
        if (properties.get(FILE) instanceof String file && file.startsWith("file:")) {
            ConfigFiles.set(Paths.get(URI.create(file)), ENABLED, enabled);
        }
        properties.put(ENABLED, enabled);
        return configuration.updateIfDifferent(properties);
    }

    /** Escapes a value for an LDAP filter (RFC 4515). */
    static String escape(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')' || c == 0) {
                escaped.append('\\').append(String.format("%02x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
