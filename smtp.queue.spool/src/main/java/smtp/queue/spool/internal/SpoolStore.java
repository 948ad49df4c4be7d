package smtp.queue.spool.internal;

import smtp.delivery.spi.HeaderSection;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.delivery.api.DeliveryException;
import smtp.delivery.api.QueueStatusDTO;
import smtp.delivery.spi.QueueEntryDTO;
import smtp.delivery.spi.QueueStore;
import smtp.delivery.spi.QueueWorker;

/**
 * The delivery queue's store as files in a local directory ({@link Spool}),
 * worked by {@link SpoolWorkers}. One instance only: the files are not shared.
 * Active when configured (PID {@value #PID}).
 */
@Component(configurationPid = SpoolStore.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = QueueStore.NAME + "=spool")
@Designate(ocd = SpoolConfiguration.class)
public final class SpoolStore implements QueueStore {

    static final String PID = "smtp.queue.spool";

    private static final Logger LOG = LoggerFactory.getLogger(SpoolStore.class);

    private final Path directory;
    private final Spool spool;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private volatile SpoolWorkers workers;

    @Activate
    public SpoolStore(SpoolConfiguration config) throws IOException {
        this(Paths.get(config.directory()));
    }

    /** A spool in a directory, for use without DS. */
    public SpoolStore(Path directory) throws IOException {
        this.directory = directory.toAbsolutePath();
        this.spool = new Spool(this.directory);
        LOG.info("Queue store: the spool in {}, {} message(s) queued", this.directory, spool.recover().size());
    }

    @Deactivate
    void stop() throws Exception {
        SpoolWorkers current = workers;
        if (current != null) {
            current.close();
        }
    }

    @Override
    public void store(QueueEntryDTO entry, InputStream content) throws DeliveryException, IOException {
        if (spool.contains(entry.queueId)) {
            throw new DeliveryException("queue id " + entry.queueId + " is already in use", false);
        }
        try {
            spool.store(entry, content);
        } catch (UncheckedIOException e) {
            LOG.error("Cannot store message {} in the spool", entry.queueId, e.getCause());
            throw new DeliveryException("cannot store the message now, try again later", false, e.getCause());
        }
        SpoolWorkers current = workers;
        if (current != null) {
            current.runNow(entry.queueId);
        }
    }

    @Override
    public synchronized AutoCloseable consume(QueueWorker worker, int concurrency) {
        if (workers != null) {
            throw new IllegalStateException("the spool " + directory + " is worked already");
        }
        SpoolWorkers started = new SpoolWorkers(spool, running, worker, concurrency, () -> {
            synchronized (this) {
                workers = null;
            }
        });
        workers = started;
        try {
            started.resume(spool.recover());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return started;
    }

    @Override
    public List<QueueEntryDTO> list() throws DeliveryException {
        List<QueueEntryDTO> entries = new ArrayList<>();
        for (String queueId : ids()) {
            QueueEntryDTO entry = get(queueId);
            if (entry != null) {
                entries.add(entry);
            }
        }
        entries.sort(Comparator.comparingLong(entry -> entry.receivedAt));
        return entries;
    }

    @Override
    public QueueEntryDTO get(String queueId) {
        if (!isQueueId(queueId) || !spool.contains(queueId)) {
            return null;
        }
        try {
            QueueEntryDTO entry = spool.entry(queueId);
            try (InputStream content = Files.newInputStream(spool.messageFile(queueId))) {
                entry.headers = HeaderSection.read(content);
            }
            return entry;
        } catch (IOException e) {
            return null; // delivered and removed while being read
        }
    }

    @Override
    public boolean retryNow(String queueId) {
        if (get(queueId) == null) {
            return false;
        }
        SpoolWorkers current = workers;
        if (current != null) {
            current.runNow(queueId);
        }
        return true;
    }

    @Override
    public boolean delete(String queueId) throws DeliveryException {
        if (get(queueId) == null || running.contains(queueId)) {
            return false;
        }
        try {
            spool.remove(queueId);
        } catch (IOException e) {
            throw new DeliveryException("cannot remove " + queueId + ": " + e.getMessage(), false, e);
        }
        return true;
    }

    @Override
    public QueueStatusDTO status() {
        QueueStatusDTO status = new QueueStatusDTO();
        status.store = "spool";
        status.location = directory.toString();
        status.available = writableDirectory(directory.resolve("queue")) && writableDirectory(directory.resolve("tmp"));
        if (!status.available) {
            status.problem = "the spool directory " + directory + " is not writable";
            return status;
        }
        try {
            List<QueueEntryDTO> entries = list();
            status.messages = entries.size();
            status.deferred = entries.stream().filter(entry -> entry.attempts > 0).count();
        } catch (DeliveryException e) {
            status.problem = e.getMessage();
        }
        return status;
    }

    private List<String> ids() throws DeliveryException {
        try {
            return spool.ids();
        } catch (IOException e) {
            throw new DeliveryException("cannot read the spool " + directory + ": " + e.getMessage(), false, e);
        }
    }

    private static boolean writableDirectory(Path path) {
        return Files.isDirectory(path) && Files.isWritable(path);
    }

    static boolean isQueueId(String queueId) {
        return queueId != null && queueId.matches("[A-Za-z0-9]{1,64}");
    }
}
