package smtp.server.internal;

import java.util.concurrent.atomic.LongAdder;

import smtp.server.api.CountersDTO;
import smtp.server.api.ScanResultDTO;

/** The listener's counters; sessions on many threads add to them without contention. */
final class Counters {

    private final long since = System.currentTimeMillis();
    final LongAdder connections = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();
    final LongAdder messagesAccepted = new LongAdder();
    final LongAdder messagesRejected = new LongAdder();
    final LongAdder bytesAccepted = new LongAdder();
    private final LongAdder scansClean = new LongAdder();
    private final LongAdder scansInfected = new LongAdder();
    private final LongAdder scansFailed = new LongAdder();

    void accepted(long bytes) {
        messagesAccepted.increment();
        bytesAccepted.add(bytes);
    }

    void scanned(ScanResultDTO result) {
        switch (String.valueOf(result.verdict)) {
            case ScanResultDTO.CLEAN -> scansClean.increment();
            case ScanResultDTO.INFECTED -> scansInfected.increment();
            default -> scansFailed.increment();
        }
    }

    CountersDTO snapshot() {
        CountersDTO dto = new CountersDTO();
        dto.since = since;
        dto.connections = connections.sum();
        dto.connectionsRefused = connectionsRefused.sum();
        dto.messagesAccepted = messagesAccepted.sum();
        dto.messagesRejected = messagesRejected.sum();
        dto.bytesAccepted = bytesAccepted.sum();
        dto.scansClean = scansClean.sum();
        dto.scansInfected = scansInfected.sum();
        dto.scansFailed = scansFailed.sum();
        return dto;
    }
}
