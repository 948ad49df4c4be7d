package smtp.server.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import smtp.delivery.api.MailDelivery;
import smtp.server.api.TlsProfile;

/** What every session of the listener shares: settings, the delivery service and the session registry. */
final class ServerContext {

    final String hostName;
    final String softwareName;
    final int maxMessageSize;
    final int maxRecipients;
    final Sessions sessions;
    /** The buffers of the readers of messages, reused from one message to the next. */
    final BufferPool dataBuffers = new BufferPool(DataReader.BUFFER, 64);
    final Authenticators authenticators;
    final AuthFailures authFailures;
    final List<Network> relayNetworks;
    final BadCommands badCommands;
    final int maxMessagesPerConnection;
    final int maxHops;
    final Scanners scanners;
    final Path scanDirectory;
    final Path quarantineDirectory;
    private final Supplier<MailDelivery> delivery;
    private final Function<String, TlsProfile> tlsProfiles;
    private final AtomicLong counter = new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16));

    ServerContext(String hostName, String softwareName, int maxMessageSize, int maxRecipients, Sessions sessions,
            Supplier<MailDelivery> delivery, Function<String, TlsProfile> tlsProfiles, Authenticators authenticators,
            AuthFailures authFailures, List<Network> relayNetworks, BadCommands badCommands, int maxMessagesPerConnection,
            int maxHops, Scanners scanners, Path scanDirectory, Path quarantineDirectory) {
        this.hostName = hostName;
        this.softwareName = softwareName;
        this.maxMessageSize = maxMessageSize;
        this.maxRecipients = maxRecipients;
        this.sessions = sessions;
        this.delivery = delivery;
        this.tlsProfiles = tlsProfiles;
        this.authenticators = authenticators;
        this.authFailures = authFailures;
        this.relayNetworks = List.copyOf(relayNetworks);
        this.badCommands = badCommands;
        this.maxMessagesPerConnection = maxMessagesPerConnection;
        this.maxHops = maxHops;
        this.scanners = scanners;
        this.scanDirectory = scanDirectory;
        this.quarantineDirectory = quarantineDirectory;
    }

    /** @return the TLS profile of that name, or null while there is none */
    TlsProfile tlsProfile(String name) {
        return name == null ? null : tlsProfiles.apply(name);
    }

    /** @return the delivery service, or null while there is none */
    MailDelivery delivery() {
        return delivery.get();
    }

    /**
     * @return a new queue id: milliseconds, a counter and 40 random bits in base 36, upper case; unique across the
     *         instances that share a queue
     */
    String nextQueueId() {
        return (Long.toString(System.currentTimeMillis(), 36) + "Q" + Long.toString(counter.incrementAndGet() & 0xffff, 36)
                + Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36)).toUpperCase(Locale.ROOT);
    }
}
