/**
 * Topics and property names of the OSGi events the suite publishes through
 * EventAdmin ({@link smtp.server.events.SmtpEvents}): the contract for bundles
 * that subscribe to them.
 */
@Version("1.2.0")
@Export
package smtp.server.events;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
