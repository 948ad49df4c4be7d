package smtp.queue.artemis.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.client.ClientMessage;

import smtp.delivery.spi.MessageContent;

/**
 * The content of a message taken from the broker, readable any number of
 * times: a small message's body is in memory already; a large one is streamed
 * from the broker once, into a file of its own that {@link #close()} removes.
 */
final class QueueContent implements MessageContent, AutoCloseable {

    private final byte[] bytes;
    private final Path file;
    private final long size;

    private QueueContent(byte[] bytes, Path file, long size) {
        this.bytes = bytes;
        this.file = file;
        this.size = size;
    }

    static QueueContent of(ClientMessage message, boolean large, Path spillDirectory) throws ActiveMQException, IOException {
        if (!large) {
            byte[] body = new byte[message.getBodySize()];
            message.getBodyBuffer().readBytes(body);
            return new QueueContent(body, null, body.length);
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
        return bytes != null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file);
    }

    /**
     * Gives the content to a message for the broker as a stream: the producer's session sends it whole or, from its
     * large message size on, streamed into a file of the broker's.
     */
    void into(ClientMessage message) throws IOException {
        message.setBodyInputStream(bytes != null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file));
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
