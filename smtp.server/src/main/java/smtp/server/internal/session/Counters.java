package smtp.server.internal.session;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import smtp.server.api.CountersDTO;
import smtp.server.spi.PolicyResultDTO;
import smtp.server.spi.ScanResultDTO;

/** The listener's counters; sessions on many threads add to them without contention. */
public final class Counters {

    private final long since = System.currentTimeMillis();
    public final LongAdder connections = new LongAdder();
    private final LongAdder connectionsRefused = new LongAdder();
    /** Refused connections by reason (a {@code CountersDTO.REFUSED_} constant). */
    private final Map<String, LongAdder> refusedBy = new ConcurrentHashMap<>();
    public final LongAdder messagesAccepted = new LongAdder();
    public final LongAdder messagesRejected = new LongAdder();
    public final LongAdder bytesAccepted = new LongAdder();
    private final LongAdder scansClean = new LongAdder();
    private final LongAdder scansInfected = new LongAdder();
    private final LongAdder scansFailed = new LongAdder();
    /** Verdicts by policy plugin and action. */
    private final Map<String, Map<String, LongAdder>> policyVerdicts = new ConcurrentHashMap<>();

    /** @param reason a {@code CountersDTO.REFUSED_} constant */
    public void refused(String reason) {
        connectionsRefused.increment();
        refusedBy.computeIfAbsent(reason, key -> new LongAdder()).increment();
    }

    public void accepted(long bytes) {
        messagesAccepted.increment();
        bytesAccepted.add(bytes);
    }

    public void scanned(ScanResultDTO result) {
        switch (String.valueOf(result.verdict)) {
            case ScanResultDTO.CLEAN -> scansClean.increment();
            case ScanResultDTO.INFECTED -> scansInfected.increment();
            default -> scansFailed.increment();
        }
    }

    public void decided(PolicyResultDTO result) {
        policyVerdicts.computeIfAbsent(result.policy, name -> new ConcurrentHashMap<>())
                .computeIfAbsent(result.action, action -> new LongAdder()).increment();
    }

    public CountersDTO snapshot() {
        CountersDTO dto = new CountersDTO();
        dto.since = since;
        dto.connections = connections.sum();
        dto.connectionsRefused = connectionsRefused.sum();
        refusedBy.forEach((reason, count) -> dto.connectionsRefusedByReason.put(reason, count.sum()));
        dto.messagesAccepted = messagesAccepted.sum();
        dto.messagesRejected = messagesRejected.sum();
        dto.bytesAccepted = bytesAccepted.sum();
        dto.scansClean = scansClean.sum();
        dto.scansInfected = scansInfected.sum();
        dto.scansFailed = scansFailed.sum();
        policyVerdicts.forEach((policy, actions) -> {
            Map<String, Long> counts = new TreeMap<>();
            actions.forEach((action, count) -> counts.put(action, count.sum()));
            dto.policyVerdicts.put(policy, counts);
        });
        return dto;
    }
}
