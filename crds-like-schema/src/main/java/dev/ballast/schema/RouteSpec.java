package dev.ballast.schema;

import java.util.List;

/**
 * What a route matches and where it sends requests. Field meanings are in {@code route.schema.json}.
 *
 * @param service Swarm service receiving the requests, or {@code null} when {@code endpoints} are static
 * @param endpoints static upstreams; empty when {@code service} is set
 * @param order explicit priority (lower first), or {@code null} for "most specific wins"
 */
public record RouteSpec(String service, List<Endpoint> endpoints, Integer order, EndpointMode endpointMode,
                        LoadBalancing loadBalancing, StickySessions stickySessions, Retries retries,
                        HealthCheck healthCheck, boolean defaultBackend, List<Rule> rules) {

    public RouteSpec {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        endpointMode = endpointMode == null ? EndpointMode.TASKS : endpointMode;
        loadBalancing = loadBalancing == null ? new LoadBalancing(null) : loadBalancing;
        stickySessions = stickySessions == null ? new StickySessions(false, null) : stickySessions;
        retries = retries == null ? new Retries(null) : retries;
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    /** A spec that sends the given rules to a Swarm service, everything else at its default. */
    public static RouteSpec forService(String service, List<Rule> rules) {
        return new RouteSpec(service, null, null, null, null, null, null, null, false, rules);
    }

    /** A spec that sends the given rules to static endpoints, everything else at its default. */
    public static RouteSpec forEndpoints(List<Endpoint> endpoints, List<Rule> rules) {
        return new RouteSpec(null, endpoints, null, null, null, null, null, null, false, rules);
    }
}
