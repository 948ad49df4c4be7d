/**
 * The queue contract between the accepting side of the delivery service and
 * its delivery workers: the durable store behind the delivery queue.
 * <p>
 * A {@link smtp.delivery.spi.QueueStore} service keeps every message that
 * {@link smtp.delivery.api.MailDelivery#deliver} accepted until the delivery
 * workers are done with it. The delivery service stores into it and consumes
 * from it; a store bundle (the Apache Artemis queue, or the file spool)
 * provides it. Stores never look inside a message or its envelope: they keep
 * bytes, hand them back when due, and show what waits.
 */
@Version("1.1.0")
@Export
package smtp.delivery.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
