/**
 * What plugin bundles implement to take part in SMTP sessions.
 * <p>
 * {@link smtp.server.spi.SessionListener} services form a whiteboard: the
 * listener calls every registered one when a client connects, when a message is
 * received, when a message is scanned, and when the client disconnects.
 * {@link smtp.server.spi.MessageScanner} services scan every accepted message
 * ({@link smtp.server.spi.Scanner} properties give their order and policy);
 * {@link smtp.server.spi.Authenticator} services check SMTP AUTH credentials.
 * {@link smtp.server.spi.PolicyPlugin} services are asked at each stage of a
 * session ({@link smtp.server.spi.Policy} properties give their stages, time
 * limit, failure policy and bindings) and answer with a
 * {@link smtp.server.spi.PolicyVerdict}.
 */
@Version("1.2.0")
@Export
package smtp.server.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
