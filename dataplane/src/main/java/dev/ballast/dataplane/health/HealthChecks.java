package dev.ballast.dataplane.health;

import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.schema.HealthCheck;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import java.io.Closeable;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;

/**
 * The probes the routing table in force calls for: one per endpoint address and health check. {@link #reconcile}
 * starts the new ones and stops those no longer named, before the table goes into force, so a request never finds an
 * endpoint whose probe does not exist yet. Checks run on one timer thread and the JDK's HTTP client, never on an event
 * loop. Thread-safe.
 */
public final class HealthChecks implements Closeable {

    private record Key(String address, HealthCheck check) {
    }

    private final Map<Key, HealthProbe> probes = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ballast-health-checks");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).followRedirects(HttpClient.Redirect.NEVER).build();

    /**
     * Brings the probes to what {@code table} needs: every address of every route with a health check.
     *
     * @param addresses the upstream addresses of a route for a rule (the same ones the proxy sends to)
     */
    public synchronized void reconcile(RoutingTable table, BiFunction<Route, Rule, Iterable<String>> addresses) {
        Map<Key, HealthProbe> wanted = new HashMap<>();
        for (Route route : table.snapshot().routes()) {
            HealthCheck check = route.spec().healthCheck();
            if (check == null) {
                continue;
            }
            for (Rule rule : route.spec().rules()) {
                for (String address : addresses.apply(route, rule)) {
                    Key key = new Key(address, check);
                    wanted.computeIfAbsent(key, k -> probes.getOrDefault(k, new HealthProbe(address, check, http, timer)));
                }
            }
        }
        probes.forEach((key, probe) -> {
            if (!wanted.containsKey(key)) {
                probe.stop();
            }
        });
        wanted.forEach((key, probe) -> {
            if (probes.putIfAbsent(key, probe) == null) {
                probe.start();
            }
        });
        probes.keySet().retainAll(wanted.keySet());
    }

    /** The probe of {@code address} under {@code check}, or null when it is not checked. */
    public HealthProbe probe(String address, HealthCheck check) {
        return check == null ? null : probes.get(new Key(address, check));
    }

    @Override
    public synchronized void close() {
        probes.values().forEach(HealthProbe::stop);
        probes.clear();
        timer.shutdownNow();
    }
}
