package smtp.server.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

import smtp.server.spi.SessionDTO;

/**
 * What the SMTP listener is doing now, for consoles, shell commands and health
 * checks. The listener registers this service while it is active; with the
 * listener bundle stopped there is none.
 */
@ProviderType
public interface ListenerStatus {

    /** @return whether the server is enabled in its configuration ({@code smtp.server enabled}) */
    boolean enabled();

    /**
     * @return every endpoint of every binding: listening, disabled, waiting, draining or failed, with
     *         configured bindings that failed their checks as one failed entry each
     */
    List<EndpointDTO> endpoints();

    /** @return the live sessions, oldest first */
    List<SessionDTO> sessions();

    /** @return the counters since the listener started */
    CountersDTO counters();
}
