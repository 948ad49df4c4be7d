package smtp.server.internal.message;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Constants;

import smtp.server.spi.MessageScanner;
import smtp.server.spi.Scanner;

/** The scanners present, with their policies, in the order they run. */
public final class Scanners {

    /** One scanner and what to do with its verdicts. */
    record Entry(MessageScanner scanner, String name, int order, String onInfected, String onFailure, long serviceId) {}

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    public void add(MessageScanner scanner, Map<String, Object> properties) {
        Object order = properties.get(Scanner.PREFIX_ + "order");
        Object id = properties.get(Constants.SERVICE_ID);
        entries.add(new Entry(scanner, String.valueOf(properties.getOrDefault(Scanner.PREFIX_ + "name", scanner.getClass().getName())),
                order instanceof Number n ? n.intValue() : 100,
                policy(properties.get(Scanner.PREFIX_ + "onInfected"), Scanner.REJECT, Scanner.QUARANTINE, Scanner.TAG),
                policy(properties.get(Scanner.PREFIX_ + "onFailure"), Scanner.TEMPFAIL, Scanner.ACCEPT),
                id instanceof Long l ? l : Long.MAX_VALUE));
    }

    /** @return the value if it is one of the choices, else the first (the safest) */
    private static String policy(Object value, String... choices) {
        for (String choice : choices) {
            if (choice.equalsIgnoreCase(String.valueOf(value))) {
                return choice;
            }
        }
        return choices[0];
    }

    public void remove(MessageScanner scanner) {
        entries.removeIf(entry -> entry.scanner == scanner);
    }

    /** @return the scanners of this moment, in order */
    List<Entry> ordered() {
        List<Entry> ordered = new ArrayList<>(entries);
        ordered.sort(Comparator.comparingInt(Entry::order).thenComparingLong(Entry::serviceId));
        return ordered;
    }
}
