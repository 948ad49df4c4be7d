package smtp.server.spi;

import java.io.IOException;
import java.io.InputStream;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The received message at {@link PolicyStage#END_OF_MESSAGE}, kept by the listener
 * until every plugin has answered: each {@link #open} reads it from its first byte,
 * from any thread, as often as needed.
 */
@ProviderType
public interface MessageContent {

    /**
     * @return a new stream over the message as it will be stored, the listener's Received header first; close
     *         it when done
     * @throws IOException if the message can no longer be read (the session ended)
     */
    InputStream open() throws IOException;

    /** @return the message's size in bytes as the client sent it */
    long size();
}
