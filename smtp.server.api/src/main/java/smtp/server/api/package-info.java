/**
 * The status of the SMTP listener, for consoles, shell commands and health
 * checks: {@link smtp.server.api.ListenerStatus} with its endpoints, sessions
 * and counters. Plugins use {@code smtp.server.spi}, TLS providers
 * {@code smtp.server.tls}, event subscribers {@code smtp.server.events}; each
 * package has its own version, so that a change here does not touch them.
 */
@Version("2.2.0")
@Export
package smtp.server.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
