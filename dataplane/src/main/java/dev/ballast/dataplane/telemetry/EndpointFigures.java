package dev.ballast.dataplane.telemetry;

import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.dataplane.health.HealthChecks;
import dev.ballast.schema.EndpointReport;
import dev.ballast.schema.ReplicaReport;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The replica's report to its controller: the figures of every endpoint it sends to, as its balancer sees them. */
public final class EndpointFigures {

    private EndpointFigures() {
    }

    /** One entry per upstream in force, by address. */
    public static ReplicaReport report(Collection<Upstream> upstreams, HealthChecks health, long nowNanos) {
        List<EndpointReport> endpoints = new ArrayList<>(upstreams.size());
        Map<String, Boolean> healthy = health.healthByAddress();
        for (Upstream u : upstreams) {
            double latencyMs = Math.round(u.latencyNanos(nowNanos) / 1e4) / 100.0; // 10 µs: plenty for a person
            endpoints.add(new EndpointReport(u.address(), u.inFlight(), latencyMs, u.ejections(),
                    u.ejections() > 0 && u.ejectedUntilNanos() - nowNanos > 0, healthy.get(u.address())));
        }
        endpoints.sort(Comparator.comparing(EndpointReport::address));
        return new ReplicaReport(endpoints);
    }
}
