/**
 * Extension contracts of the SMTP listener.
 * <p>
 * {@link smtp.server.api.SessionListener} services form a whiteboard: the
 * listener calls every registered one when a client connects, when a message is
 * received, when a message is scanned, and when the client disconnects. The
 * smtp.events bundle is one such listener and republishes these calls as OSGi
 * events on the topics named in {@link smtp.server.api.SmtpEvents}.
 */
@Version("1.1.0")
@Export
package smtp.server.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
