/**
 * The TLS contract between the listener and the bundles that hold
 * certificates: {@link smtp.server.tls.TlsProfile} services, selected by name
 * by each binding.
 */
@Version("2.0.0")
@Export
package smtp.server.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
