package smtp.queue.artemis.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.message.LargeBodyReader;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMAcceptorFactory;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ActiveMQServers;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.LargeServerMessage;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.DiskFullMessagePolicy;
import org.apache.activemq.artemis.utils.ActiveMQThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.spi.HeaderSection;

/**
 * An Artemis broker in this framework, reached in-VM ({@value #IN_VM}): a
 * persistent journal (NIO, every durable send synced, concurrent senders
 * sharing a sync), the mail queue with its limits, no security (nothing outside
 * the framework reaches it unless an acceptor is configured), no JMX. A
 * broker.xml, when configured, replaces these settings.
 */
final class EmbeddedBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    static final String IN_VM = "vm://0";
    static final long REDELIVERY_DELAY_MILLIS = 5000;

    /** The embedded broker's settings. */
    record Settings(Path directory, String queue, String acceptor, long maxQueueSize, long memoryLimit,
            Path brokerXml) {}

    private final ActiveMQServer server;
    private final ExecutorService inVmThreads;

    EmbeddedBroker(Settings settings) throws Exception {
        if (System.getProperty(ActiveMQClient.THREAD_POOL_MAX_SIZE_PROPERTY_KEY) == null) {
            // the in-VM connections hand packets over on the client's global pool: 8 threads per core by default
            ActiveMQClient.setGlobalThreadPoolProperties(IN_VM_THREADS, ActiveMQClient.getGlobalScheduledThreadPoolSize(),
                    ActiveMQClient.getGlobalFlowControlThreadPoolSize());
        }
        Configuration configuration = settings.brokerXml() != null ? fromFile(settings.brokerXml()) : builtIn(settings);
        this.server = ActiveMQServers.newActiveMQServer(configuration); // persistence as configured (on)
        this.inVmThreads = boundInVmAcceptors(server, configuration);
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(EmbeddedBroker.class.getClassLoader()); // its service files
        try {
            server.start();
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        if (!server.isStarted()) {
            server.stop();
            inVmThreads.shutdown();
            throw new IllegalStateException("the embedded broker did not start (is its journal " + settings.directory()
                    + " locked by another process?)");
        }
        LOG.info("Embedded Artemis broker {} started: journal in {}{}", server.getVersion().getFullVersion(),
                configuration.getJournalLocation(), settings.acceptor().isBlank() ? "" : ", accepting on " + settings.acceptor());
    }

    /**
     * @return the messages of the queue that are due and wait for a consumer (neither deferred nor being delivered),
     *         0 when there is no such queue
     */
    long waiting(SimpleString queue) {
        org.apache.activemq.artemis.core.server.Queue held = server.locateQueue(queue);
        if (held == null) {
            return 0;
        }
        return Math.max(0, held.getMessageCount() - held.getScheduledCount() - held.getDeliveringCount());
    }

    /**
     * Reads the header section of a message the broker holds for a later attempt: a scheduled message is out of a
     * consumer's reach, even a browser's, so it is read on the broker's side.
     *
     * @return the header section, or null when the queue holds no such scheduled message
     */
    String scheduledHeaders(String queue, String property, String queueId) throws ActiveMQException, IOException {
        org.apache.activemq.artemis.core.server.Queue held = server.locateQueue(SimpleString.of(queue));
        if (held == null) {
            return null;
        }
        for (MessageReference reference : held.getScheduledMessages()) {
            Message message = reference.getMessage();
            if (!queueId.equals(message.getStringProperty(property))) {
                continue;
            }
            HeaderSection.Collector headers = new HeaderSection.Collector();
            if (message instanceof LargeServerMessage large) {
                try (LargeBodyReader reader = large.getLargeBodyReader()) {
                    reader.open();
                    ByteBuffer chunk = ByteBuffer.allocate(4096);
                    int n;
                    while (!headers.full() && (n = reader.readInto(chunk.clear())) > 0) {
                        headers.write(chunk.array(), 0, n);
                    }
                }
            } else {
                ActiveMQBuffer body = message.toCore().getReadOnlyBodyBuffer();
                byte[] bytes = new byte[Math.min(body.readableBytes(), HeaderSection.MAX)];
                body.readBytes(bytes);
                headers.write(bytes, 0, bytes.length);
            }
            return headers.text();
        }
        return null;
    }

    /** The broker's threads: each takes stack and memory, and on a few cores more threads only wait for each other. */
    static final int BROKER_THREADS = 12;
    /** The threads that carry packets over the in-VM connections, for the whole JVM, towards the broker. */
    static final int IN_VM_THREADS = 4;
    /** The threads that carry packets over the in-VM connections from the broker to its clients. */
    static final int IN_VM_ACCEPTOR_THREADS = 4;

    /**
     * Gives the in-VM acceptors a pool of their own, of {@value #IN_VM_ACCEPTOR_THREADS} threads. The broker hands
     * them its remoting pool, which is unbounded (a thread per packet in flight, kept for a minute): under load it
     * held 40 idle threads, their stacks in memory, for packets that only pass from one queue to another. What
     * runs on these threads never waits for another packet: the suite's sends and receives block on their own
     * threads, and the broker's sessions work on the broker's pool.
     */
    private static ExecutorService boundInVmAcceptors(ActiveMQServer server, Configuration configuration) {
        // a plain pool, not Artemis' own: that one bounds its threads only loosely (concurrent hand-offs can start
        // a few more than its maximum); this one holds at most its size and queues the rest, each thread ending
        // after a minute idle
        ThreadPoolExecutor threads = new ThreadPoolExecutor(IN_VM_ACCEPTOR_THREADS, IN_VM_ACCEPTOR_THREADS, 60,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new ActiveMQThreadFactory("smtp-queue-in-vm", true, EmbeddedBroker.class.getClassLoader()));
        threads.allowCoreThreadTimeOut(true);
        InVMAcceptorFactory inVm = new InVMAcceptorFactory();
        for (TransportConfiguration acceptor : configuration.getAcceptorConfigurations()) {
            if (InVMAcceptorFactory.class.getName().equals(acceptor.getFactoryClassName())) {
                server.getServiceRegistry().addAcceptorFactory(acceptor.getName(),
                        (name, cluster, params, handler, listener, remotingPool, scheduled, protocols, broker,
                                metrics) -> inVm.createAcceptor(name, cluster, params, handler, listener, threads,
                                        scheduled, protocols, broker, metrics));
            }
        }
        return threads;
    }

    private static Configuration builtIn(Settings settings) throws Exception {
        Path directory = Files.createDirectories(settings.directory());
        ConfigurationImpl configuration = new ConfigurationImpl();
        configuration.setName("smtp-queue");
        configuration.setPersistenceEnabled(true);
        configuration.setSecurityEnabled(false);
        configuration.setJMXManagementEnabled(false);
        configuration.setThreadPoolMaxSize(BROKER_THREADS); // 30 by default: the in-VM hand-offs need far fewer
        configuration.setJournalType(JournalType.NIO);
        configuration.setJournalDatasync(true);
        configuration.setJournalSyncTransactional(true);
        configuration.setJournalSyncNonTransactional(true);
        configuration.setJournalDirectory(directory.resolve("journal").toString());
        configuration.setBindingsDirectory(directory.resolve("bindings").toString());
        configuration.setPagingDirectory(directory.resolve("paging").toString());
        configuration.setLargeMessagesDirectory(directory.resolve("large-messages").toString());
        configuration.addAcceptorConfiguration("in-vm", IN_VM);
        if (!settings.acceptor().isBlank()) {
            configuration.addAcceptorConfiguration("core", settings.acceptor().trim());
        }
        AddressSettings queue = new AddressSettings()
                .setMaxDeliveryAttempts(-1) // the delivery service decides when a message is given up
                .setRedeliveryDelay(REDELIVERY_DELAY_MILLIS) // a message of a worker that failed or died
                .setDiskFullMessagePolicy(DiskFullMessagePolicy.FAIL) // a full disk: 451 at once, not a blocked sender
                // the queue listing reads each envelope whole: by default the broker cuts values at 256 bytes
                .setManagementMessageAttributeSizeLimit(-1);
        if (settings.maxQueueSize() > 0) {
            queue.setAddressFullMessagePolicy(AddressFullMessagePolicy.FAIL).setMaxSizeBytes(settings.maxQueueSize());
        } else {
            // what the broker reads back from its pages is held on top of the limit: at most as much again, in pages
            // of a quarter of it (by default 10 MiB pages and twice that read back, more than a small heap has room for)
            int page = (int) Math.min(10L * 1024 * 1024, settings.memoryLimit() / 4);
            queue.setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE).setMaxSizeBytes(settings.memoryLimit())
                    .setPageSizeBytes(page).setMaxReadPageBytes(4 * page);
        }
        // as a stock broker.xml has it, so that the broker's own queues (management replies) have them too
        configuration.addAddressSetting("#", new AddressSettings().setDeadLetterAddress(SimpleString.of("DLQ"))
                .setExpiryAddress(SimpleString.of("ExpiryQueue")));
        configuration.addAddressSetting(settings.queue(), queue);
        configuration.addQueueConfiguration(QueueConfiguration.of(settings.queue()).setRoutingType(RoutingType.ANYCAST)
                .setDurable(true));
        return configuration;
    }

    private static Configuration fromFile(Path brokerXml) throws Exception {
        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(brokerXml.toUri().toString());
        deployment.addDeployable(configuration);
        deployment.readConfiguration();
        return configuration;
    }

    @Override
    public void close() throws Exception {
        try {
            server.stop();
        } finally {
            inVmThreads.shutdown(); // even when the broker failed to stop: nothing else ends these threads
        }
        if (!inVmThreads.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warn("The embedded broker's in-VM threads were still busy 10 s after it stopped");
        }
        LOG.info("Embedded Artemis broker stopped");
    }
}
