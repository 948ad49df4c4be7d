package smtp.server.internal.listener;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import smtp.server.api.EndpointDTO;
import smtp.server.internal.protocol.TlsMode;

/**
 * The binding configurations that failed their checks, as Declarative
 * Services reports them: a binding that never activated reaches the listener
 * only this way, and the console shows it with the reason.
 */
final class BindingFailures {

    private BindingFailures() {}

    /** @return a failed entry for each binding configuration whose component could not activate */
    static List<EndpointDTO> of(ServiceComponentRuntime runtime) {
        List<EndpointDTO> failed = new ArrayList<>();
        ComponentDescriptionDTO description = runtime.getComponentDescriptionDTO(
                FrameworkUtil.getBundle(Binding.class), Binding.class.getName());
        if (description == null) {
            return failed;
        }
        for (ComponentConfigurationDTO component : runtime.getComponentConfigurationDTOs(description)) {
            if (component.state != ComponentConfigurationDTO.FAILED_ACTIVATION) {
                continue;
            }
            EndpointDTO dto = new EndpointDTO();
            dto.binding = String.valueOf(component.properties.get(Constants.SERVICE_PID));
            dto.description = "binding " + dto.binding;
            dto.port = component.properties.get("port") instanceof Number port ? port.intValue() : 0;
            Object tlsMode = component.properties.get("tlsMode");
            dto.tlsMode = tlsMode == null ? TlsMode.NONE.toString() : tlsMode.toString();
            dto.state = EndpointDTO.FAILED;
            dto.reason = reason(component.failure);
            failed.add(dto);
        }
        return failed;
    }

    /** @return the reason the Binding constructor gave, from the stack trace SCR keeps */
    static String reason(String failure) {
        if (failure == null) {
            return "the configuration was not accepted";
        }
        String marker = "bad " + Binding.FACTORY_PID + " configuration: ";
        int at = failure.indexOf(marker);
        if (at < 0) {
            return failure.lines().findFirst().orElse(failure);
        }
        int end = failure.indexOf('\n', at);
        return failure.substring(at + marker.length(), end < 0 ? failure.length() : end).trim();
    }
}
