package dev.ballast.schema;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The current upstreams of one Swarm service, as the controller found them. Addresses are kept sorted so that the
 * same set of tasks always serialises identically.
 *
 * @param service the Swarm service name routes refer to in {@code spec.service}
 * @param endpoints its task addresses (or its virtual IP), without ports
 */
public record Endpoints(String service, List<Endpoint> endpoints) {

    public Endpoints {
        Objects.requireNonNull(service, "service");
        endpoints = endpoints == null ? List.of() : sortedDistinct(endpoints);
    }

    private static List<Endpoint> sortedDistinct(List<Endpoint> endpoints) {
        if (endpoints.size() <= 1) {
            return List.copyOf(endpoints);
        }
        return endpoints.stream().distinct().sorted(Comparator.comparing(Endpoint::address)).toList();
    }
}
