package dev.ballast.dataplane.health;

import dev.ballast.schema.HealthCheck;
import java.io.Closeable;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The probes the routing table in force calls for: one per endpoint address and health check. {@link #reconcile}
 * starts the new ones and stops those no longer named, before the table goes into force, so a request never finds an
 * endpoint whose probe does not exist yet. Checks run on one timer thread and the JDK's HTTP client, never on an event
 * loop. Thread-safe.
 */
public final class HealthChecks implements Closeable {

    /** An endpoint address under a health check: one probe each. */
    public record Target(String address, HealthCheck check) {
    }

    private final Map<Target, HealthProbe> probes = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ballast-health-checks");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).followRedirects(HttpClient.Redirect.NEVER).build();

    /** Brings the probes to {@code targets}: new ones start, those no longer wanted stop. */
    public synchronized void reconcile(Set<Target> targets) {
        probes.entrySet().removeIf(e -> {
            if (targets.contains(e.getKey())) {
                return false;
            }
            e.getValue().stop();
            return true;
        });
        for (Target t : targets) {
            probes.computeIfAbsent(t, k -> {
                HealthProbe probe = new HealthProbe(k.address(), k.check(), http, timer);
                probe.start();
                return probe;
            });
        }
    }

    /** The probe of {@code address} under {@code check}, or null when it is not checked. */
    public HealthProbe probe(String address, HealthCheck check) {
        return check == null ? null : probes.get(new Target(address, check));
    }

    /**
     * Whether each checked address passes its health checks (all of them, if routes check it differently); addresses
     * without a check are not in it.
     */
    public Map<String, Boolean> healthByAddress() {
        Map<String, Boolean> health = new HashMap<>();
        probes.forEach((target, probe) -> health.merge(target.address(), probe.healthy(), Boolean::logicalAnd));
        return health;
    }

    @Override
    public synchronized void close() {
        probes.values().forEach(HealthProbe::stop);
        probes.clear();
        timer.shutdownNow();
    }
}
