package smtp.server.internal.endpoint;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import smtp.server.api.EndpointDTO;
import smtp.server.internal.net.Addresses;
import smtp.server.internal.protocol.EndpointSettings;
import smtp.server.internal.protocol.ServerContext;
import smtp.server.internal.protocol.TlsMode;
import smtp.server.internal.session.Sessions;
import smtp.server.internal.session.Usage;

/**
 * The endpoints of the listener, kept in line with the bindings: each reconcile
 * retires the endpoints no binding wants any more (or wants otherwise), then
 * starts the new ones. A retired endpoint closes its port at once; its sessions
 * may finish within the drain grace period, on a drainer thread, and are closed
 * when it ends. A port that cannot be bound is logged with the fix and
 * reported; the other endpoints still serve. Reconciles run on one thread.
 */
public final class Endpoints {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);

    /** A started endpoint, what it was started with, and how it is reported. */
    private record Running(Endpoint endpoint, EndpointSettings settings, EndpointDTO status) {}

    /** A retired endpoint whose sessions are finishing. */
    private record Draining(EndpointDTO status, Sessions sessions) {}

    /** An entry of the status: an endpoint or binding, and the endpoint whose sessions it counts, if it runs. */
    private record Reported(EndpointDTO status, Endpoint endpoint) {}

    /** Touched by the reconciling thread only. */
    private final Map<InetSocketAddress, Running> running = new LinkedHashMap<>();
    private final Map<Endpoint, Draining> draining = new ConcurrentHashMap<>();
    private final ExecutorService drainer = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "smtp-drain");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong sessionIds = new AtomicLong(System.currentTimeMillis() % 1_000_000_000L * 1000);
    private volatile List<Reported> reconciled = List.of();
    private final String pid;

    /** @param pid the listener's configuration PID, named in the fixes the log suggests */
    public Endpoints(String pid) {
        this.pid = pid;
    }

    /**
     * Brings the running endpoints in line with the bindings.
     *
     * @param enabled whether the server is switched on
     * @param hasTlsProfile whether a TLS profile of that name is there now
     * @param drainGraceSeconds how long retired endpoints' sessions may finish
     */
    public void reconcile(boolean enabled, Collection<BindingSpec> bindings, InterfaceUsage usages, ServerContext context,
            Predicate<String> hasTlsProfile, int drainGraceSeconds) {
        List<Reported> status = new ArrayList<>();
        Map<InetSocketAddress, EndpointSettings> wanted = new LinkedHashMap<>();
        Map<InetSocketAddress, BindingSpec> owners = new LinkedHashMap<>();
        for (BindingSpec binding : bindings) {
            want(enabled, binding, usages, hasTlsProfile, wanted, owners, status);
        }
        running.entrySet().removeIf(endpoint -> {
            EndpointSettings still = wanted.get(endpoint.getKey());
            if (still != null && endpoint.getValue().settings().equals(still)
                    && endpoint.getValue().endpoint().context() == context) {
                return false;
            }
            retire(endpoint.getKey(), endpoint.getValue(), drainGraceSeconds);
            return true;
        });
        wanted.forEach((address, settings) -> {
            EndpointDTO dto = status(owners.get(address), address.getAddress(), EndpointDTO.LISTENING, null);
            if (!running.containsKey(address)) {
                try {
                    running.put(address, new Running(new Endpoint(address, settings, context, sessionIds), settings, dto));
                    LOG.info("SMTP server listening on {} ({})", Addresses.hostPort(address), settings);
                } catch (IOException | RuntimeException e) {
                    dto.state = EndpointDTO.FAILED;
                    dto.reason = logBindFailure(address, e);
                }
            }
            Running started = running.get(address);
            status.add(new Reported(dto, started == null ? null : started.endpoint()));
        });
        reconciled = List.copyOf(status);
    }

    private void want(boolean enabled, BindingSpec binding, InterfaceUsage usages, Predicate<String> hasTlsProfile,
            Map<InetSocketAddress, EndpointSettings> wanted, Map<InetSocketAddress, BindingSpec> owners,
            List<Reported> status) {
        if (!enabled || !binding.enabled()) {
            status.add(reported(binding, null, EndpointDTO.DISABLED, enabled
                    ? "the binding is disabled (enabled=false in " + binding.pid() + ")"
                    : "the server is disabled (enabled=false in " + pid + ")"));
            return;
        }
        try {
            List<InetAddress> addresses = binding.addresses(usages);
            if (addresses.isEmpty()) {
                LOG.warn("SMTP binding {} covers no local address now", binding);
                status.add(reported(binding, null, EndpointDTO.WAITING, "it covers no local address now"));
            }
            Map<InetAddress, String> local = InterfaceUsage.localAddresses();
            for (InetAddress address : addresses) {
                String nic = local.get(address);
                Usage usage = nic == null ? InterfaceUsage.defaultUsage(address) : usages.usageOf(nic, address);
                EndpointSettings settings = binding.settings(usage);
                if (settings.tlsMode() == TlsMode.IMPLICIT && !hasTlsProfile.test(settings.tlsProfile())) {
                    LOG.info("SMTP binding {} waits for TLS profile '{}': not listening on {} until it is there",
                            binding, settings.tlsProfile(), address.getHostAddress());
                    status.add(reported(binding, address, EndpointDTO.WAITING,
                            "waiting for TLS profile '" + settings.tlsProfile() + "'"));
                    continue;
                }
                InetSocketAddress endpoint = new InetSocketAddress(address, binding.port());
                wanted.put(endpoint, settings);
                owners.put(endpoint, binding);
            }
        } catch (SocketException | UnknownHostException | RuntimeException e) {
            LOG.error("SMTP binding {} not started: cannot list its addresses: {}", binding, e.toString());
            status.add(reported(binding, null, EndpointDTO.FAILED, "cannot list its addresses: " + e));
        }
    }

    private static Reported reported(BindingSpec binding, InetAddress address, String state, String reason) {
        return new Reported(status(binding, address, state, reason), null);
    }

    private static EndpointDTO status(BindingSpec binding, InetAddress address, String state, String reason) {
        EndpointDTO dto = new EndpointDTO();
        dto.binding = binding.pid();
        dto.name = binding.name();
        dto.description = binding.toString();
        dto.address = address == null ? null : address.getHostAddress();
        dto.port = binding.port();
        dto.tlsMode = binding.tlsMode().toString();
        dto.state = state;
        dto.reason = reason;
        return dto;
    }

    /** Retires every endpoint (the settings changed, or the listener stops). */
    public void retireAll(int drainGraceSeconds) {
        running.forEach((address, endpoint) -> retire(address, endpoint, drainGraceSeconds));
        running.clear();
        reconciled = List.of();
    }

    private void retire(InetSocketAddress address, Running retired, int drainGraceSeconds) {
        Endpoint endpoint = retired.endpoint();
        Sessions sessions = endpoint.context().sessions();
        endpoint.closePort();
        sessions.drain(endpoint);
        int open = sessions.count(endpoint);
        if (open == 0 || drainGraceSeconds == 0) {
            stop(address, endpoint, sessions);
            return;
        }
        LOG.info("SMTP server on {} closed its port; its {} session(s) may finish within {} s", Addresses.hostPort(address),
                open, drainGraceSeconds);
        EndpointDTO dto = copy(retired.status());
        dto.state = EndpointDTO.DRAINING;
        dto.reason = "closed; finishing its sessions";
        draining.put(endpoint, new Draining(dto, sessions));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainGraceSeconds);
        try {
            drainer.execute(() -> {
                try {
                    while (sessions.count(endpoint) > 0 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    int left = sessions.count(endpoint);
                    if (left > 0) {
                        LOG.info("SMTP server on {}: closing {} session(s) still open after the drain grace period",
                                Addresses.hostPort(address), left);
                    }
                    stop(address, endpoint, sessions);
                }
            });
        } catch (RejectedExecutionException stopping) {
            stop(address, endpoint, sessions);
        }
    }

    private void stop(InetSocketAddress address, Endpoint endpoint, Sessions sessions) {
        sessions.expireAll(endpoint);
        draining.remove(endpoint);
        LOG.info("SMTP server on {} stopped", Addresses.hostPort(address));
    }

    /** Waits for the drains under way, at most the grace period and a little; then closes what is left. */
    public void shutdown(int drainGraceSeconds) throws InterruptedException {
        drainer.shutdown();
        if (!drainer.awaitTermination(drainGraceSeconds + 10L, TimeUnit.SECONDS)) {
            drainer.shutdownNow(); // each drain closes its sessions when interrupted
            drainer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** @return the endpoints as the last reconcile left them, then the draining ones, with their sessions counted */
    public List<EndpointDTO> status() {
        List<EndpointDTO> all = new ArrayList<>();
        for (Reported reported : reconciled) {
            EndpointDTO dto = copy(reported.status());
            if (reported.endpoint() != null) {
                dto.sessions = reported.endpoint().context().sessions().count(reported.endpoint());
            }
            all.add(dto);
        }
        draining.forEach((endpoint, retired) -> {
            EndpointDTO dto = copy(retired.status());
            dto.sessions = retired.sessions().count(endpoint);
            all.add(dto);
        });
        return all;
    }

    /** @return the session registries of the draining endpoints */
    public Set<Sessions> drainingSessions() {
        Set<Sessions> all = new LinkedHashSet<>();
        draining.values().forEach(retired -> all.add(retired.sessions()));
        return all;
    }

    static EndpointDTO copy(EndpointDTO source) {
        EndpointDTO dto = new EndpointDTO();
        dto.binding = source.binding;
        dto.name = source.name;
        dto.description = source.description;
        dto.address = source.address;
        dto.port = source.port;
        dto.tlsMode = source.tlsMode;
        dto.state = source.state;
        dto.reason = source.reason;
        dto.sessions = source.sessions;
        return dto;
    }

    /** @return the reason, for the status */
    private String logBindFailure(InetSocketAddress endpoint, Exception e) {
        String where = Addresses.hostPort(endpoint);
        String reason = String.valueOf(e.getMessage());
        if (e instanceof BindException && reason.contains("ermission")) {
            LOG.error("Cannot listen on {}: {}. Ports below 1024 need root or the CAP_NET_BIND_SERVICE capability "
                    + "(setcap cap_net_bind_service=+ep on the java binary); or configure a port of 1024 or more "
                    + "({} port or smtp.server.binding port).", where, reason, pid);
        } else if (e instanceof BindException) {
            LOG.error("Cannot listen on {}: {}. Another process holds the port, or the address is not on this machine: "
                    + "stop that process or configure another port or address ({} / smtp.server.binding).",
                    where, reason, pid);
        } else {
            LOG.error("Cannot listen on {}: {}", where, reason, e);
        }
        return reason;
    }
}
