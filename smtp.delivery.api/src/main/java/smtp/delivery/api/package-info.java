/**
 * The delivery contract of the SMTP suite.
 * <p>
 * A {@link smtp.delivery.api.MailDelivery} service takes a message with its
 * {@link smtp.delivery.api.Envelope} and stores it durably before it returns.
 * The SMTP listener hands every accepted message to it, and any other component
 * may send mail through it directly, with no SMTP server installed.
 */
@Version("1.3.0")
@Export
package smtp.delivery.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
