package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.balancing.Balancer;
import dev.ballast.dataplane.balancing.OutlierDetector;
import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.schema.EndpointAddresses;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import dev.ballast.schema.StickySessions;
import dev.ballast.dataplane.health.HealthChecks;
import dev.ballast.dataplane.health.HealthProbe;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The upstream set of each (route, rule port): its upstreams, balancer, outlier detector and sticky-session cookie. A
 * set is rebuilt when its addresses, policy, health check or sticky sessions change; upstreams are kept by address
 * across rebuilds, so their latency estimates survive a new snapshot. Thread-safe.
 */
public final class Upstreams {

    /**
     * One route's upstreams for one port.
     *
     * @param probes the health probe of each upstream, when the route has a health check (else empty)
     * @param sticky the cookie that pins clients to upstreams, when the route has sticky sessions (else null)
     */
    public record Set(List<Upstream> upstreams, Balancer balancer, OutlierDetector outliers,
                      Map<Upstream, HealthProbe> probes, StickyCookie sticky) {

        /** Drops the upstreams that fail their health check. */
        public void removeUnhealthy(List<Upstream> candidates) {
            if (!probes.isEmpty()) {
                candidates.removeIf(u -> {
                    HealthProbe probe = probes.get(u);
                    return probe != null && !probe.healthy();
                });
            }
        }

        /** Whether some upstream passes its health check (or none is checked). */
        public boolean anyHealthy() {
            if (probes.isEmpty()) {
                return true;
            }
            for (HealthProbe probe : probes.values()) {
                if (probe.healthy()) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Key(String route, int port) {
    }

    /** {@code endpoints} and {@code route} are the snapshot's own objects: while they are, nothing is recomputed. */
    private record Entry(Endpoints endpoints, Route route, List<String> addresses, Set set) {
    }

    private final Map<Key, Entry> sets = new ConcurrentHashMap<>();
    private final Map<String, Upstream> byAddress = new ConcurrentHashMap<>();
    private final HealthChecks health;

    public Upstreams(HealthChecks health) {
        this.health = health;
    }

    /**
     * Forgets the sets of routes and the upstreams of addresses no longer in force (a swarm's task addresses come and
     * go; without this they would accumulate, and show in the metrics, forever).
     */
    public void retain(java.util.Set<String> routeNames, java.util.Set<String> addresses) {
        sets.keySet().removeIf(k -> !routeNames.contains(k.route()));
        byAddress.keySet().retainAll(addresses);
    }

    /** The upstreams of the addresses in force. */
    public java.util.Collection<Upstream> current() {
        return byAddress.values();
    }

    /** The upstreams a matched rule sends to: its endpoints, with the rule's port where they have none. */
    public Set of(Route route, Rule rule, Endpoints endpoints) {
        Key key = new Key(route.name(), rule.port() == null ? 0 : rule.port());
        Entry entry = sets.get(key);
        if (entry != null && entry.endpoints() == endpoints && entry.route() == route) {
            return entry.set(); // the common case, once per request: nothing parsed or compared
        }
        List<String> addresses = EndpointAddresses.forRule(endpoints, rule);
        if (entry == null || !entry.addresses().equals(addresses)
                || entry.route().spec().loadBalancing().policy() != route.spec().loadBalancing().policy()
                || !Objects.equals(entry.route().spec().healthCheck(), route.spec().healthCheck())
                || !entry.route().spec().stickySessions().equals(route.spec().stickySessions())) {
            List<Upstream> upstreams = addresses.stream()
                    .map(a -> byAddress.computeIfAbsent(a, x -> new Upstream(x, Upstream.Tuning.DEFAULT))).toList();
            Map<Upstream, HealthProbe> probes = new IdentityHashMap<>();
            for (Upstream u : upstreams) {
                HealthProbe probe = health.probe(u.address(), route.spec().healthCheck());
                if (probe != null) {
                    probes.put(u, probe);
                }
            }
            StickySessions sticky = route.spec().stickySessions();
            StickyCookie cookie = sticky.enabled()
                    ? new StickyCookie(sticky.cookieName(), route.name(), key.port(), upstreams) : null;
            entry = new Entry(endpoints, route, addresses, new Set(upstreams,
                    Balancer.of(route.spec().loadBalancing().policy(), b -> ThreadLocalRandom.current().nextInt(b),
                            System::nanoTime),
                    new OutlierDetector(upstreams, OutlierDetector.Settings.DEFAULT),
                    probes.isEmpty() ? Map.of() : probes, cookie));
        } else {
            entry = new Entry(endpoints, route, addresses, entry.set()); // a new snapshot with the same upstreams
        }
        sets.put(key, entry);
        return entry.set();
    }
}
