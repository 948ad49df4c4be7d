package smtp.queue.artemis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.netty.buffer.ByteBufInputStream;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.client.ClientMessage;

import smtp.delivery.spi.MessageContent;

/**
 * The content of a message taken from the broker, readable any number of
 * times: a small message's body is in memory already and is read where it is,
 * without a copy; a large one is streamed from the broker once, into a file of
 * its own that {@link #close()} removes.
 */
final class QueueContent implements MessageContent, AutoCloseable {

    private final ClientMessage inMemory;
    private final Path file;
    private final long size;

    private QueueContent(ClientMessage inMemory, Path file, long size) {
        this.inMemory = inMemory;
        this.file = file;
        this.size = size;
    }

    static QueueContent of(ClientMessage message, boolean large, Path spillDirectory) throws ActiveMQException, IOException {
        if (!large) {
            return new QueueContent(message, null, message.getBodySize());
        }
        Files.createDirectories(spillDirectory);
        Path file = Files.createTempFile(spillDirectory, "message-", ".eml");
        try (OutputStream out = Files.newOutputStream(file)) {
            message.saveToOutputStream(out);
        } catch (ActiveMQException | IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new QueueContent(null, file, Files.size(file));
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public InputStream open() throws IOException {
        return inMemory != null ? new ByteBufInputStream(inMemory.getReadOnlyBodyBuffer().byteBuf()) : Files.newInputStream(file);
    }

    /**
     * Gives the content to a message for the broker as a stream: the producer's session sends it whole or, from its
     * large message size on, streamed into a file of the broker's.
     */
    void into(ClientMessage message) throws IOException {
        message.setBodyInputStream(open());
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
