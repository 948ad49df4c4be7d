package smtp.senderauth.internal;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/** {@link Dns} through dnsjava: the configured resolvers, a cache for the records' TTL, a time limit per lookup. */
final class DnsjavaDns implements Dns {

    private final LookupSession session;
    private final long timeoutMillis;

    DnsjavaDns(LookupSession session, long timeoutMillis) {
        this.session = session;
        this.timeoutMillis = timeoutMillis;
    }

    private List<Record> lookup(Name name, int type) throws TemporaryFailure {
        try {
            return session.lookupAsync(name, type).toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS)
                    .getRecords();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof NoSuchDomainException || cause instanceof NoSuchRRSetException) {
                return List.of();
            }
            throw new TemporaryFailure(Type.string(type) + " " + name + ": " + cause);
        } catch (TimeoutException e) {
            throw new TemporaryFailure(Type.string(type) + " " + name + ": no answer within " + timeoutMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TemporaryFailure(Type.string(type) + " " + name + ": interrupted");
        }
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text.endsWith(".") ? text : text + ".");
        } catch (TextParseException e) {
            return null;
        }
    }

    @Override
    public List<String> txt(String text) throws TemporaryFailure {
        Name name = name(text);
        List<String> texts = new ArrayList<>();
        if (name == null) {
            return texts;
        }
        for (Record record : lookup(name, Type.TXT)) {
            if (record instanceof TXTRecord txt) {
                StringBuilder joined = new StringBuilder();
                for (byte[] part : txt.getStringsAsByteArrays()) {
                    joined.append(new String(part, StandardCharsets.ISO_8859_1));
                }
                texts.add(joined.toString());
            }
        }
        return texts;
    }

    @Override
    public List<InetAddress> addresses(String text, boolean ipv6) throws TemporaryFailure {
        Name name = name(text);
        List<InetAddress> addresses = new ArrayList<>();
        if (name == null) {
            return addresses;
        }
        for (Record record : lookup(name, ipv6 ? Type.AAAA : Type.A)) {
            if (record instanceof ARecord a) {
                addresses.add(a.getAddress());
            } else if (record instanceof AAAARecord aaaa) {
                addresses.add(aaaa.getAddress());
            }
        }
        return addresses;
    }

    @Override
    public List<String> mx(String text) throws TemporaryFailure {
        Name name = name(text);
        List<MXRecord> records = new ArrayList<>();
        if (name != null) {
            for (Record record : lookup(name, Type.MX)) {
                if (record instanceof MXRecord mx) {
                    records.add(mx);
                }
            }
        }
        records.sort(Comparator.comparingInt(MXRecord::getPriority));
        List<String> hosts = new ArrayList<>();
        records.forEach(mx -> hosts.add(mx.getTarget().toString(true)));
        return hosts;
    }

    @Override
    public List<String> ptr(InetAddress address) throws TemporaryFailure {
        List<String> names = new ArrayList<>();
        for (Record record : lookup(ReverseMap.fromAddress(address), Type.PTR)) {
            if (record instanceof PTRRecord ptr) {
                names.add(ptr.getTarget().toString(true));
            }
        }
        return names;
    }
}
