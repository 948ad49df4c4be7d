package smtp.delivery.spi;

import java.io.IOException;
import java.io.InputStream;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The content of a queued message, as a {@link QueueStore} hands it to a
 * worker: RFC 5322 text with CRLF line ends, not dot-stuffed.
 */
@ProviderType
public interface MessageContent {

    /** @return the size in bytes */
    long size();

    /**
     * Opens the content from its first byte. It may be called any number of
     * times while the worker runs; each stream must be closed.
     *
     * @return a new stream over the whole content
     * @throws IOException if the content cannot be read
     */
    InputStream open() throws IOException;
}
