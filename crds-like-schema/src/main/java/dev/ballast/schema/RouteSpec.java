package dev.ballast.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a route matches and where it sends requests. Field meanings are in {@code route.schema.json}.
 *
 * @param mode HTTP requests (the default) or whole TCP connections
 * @param service Swarm service receiving the requests, or {@code null} when {@code endpoints} are static
 * @param endpoints static upstreams; empty when {@code service} is set
 * @param order explicit priority (lower first), or {@code null} for "most specific wins"
 * @param proxyProtocol the PROXY protocol header a TCP or SNI route sends its endpoints, or {@code null} for none
 * @param backendProtocol how requests go to the endpoints; {@code null} for the default, HTTP/1.1 (left out of the
 *                        JSON then, so that snapshot versions computed before it existed stay what they were)
 * @param tls certificates the controller obtains for the route ({@code null}: none, and left out of the JSON)
 * @param rateLimit requests each client address may make, per replica ({@code null}: no limit)
 */
public record RouteSpec(@JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = HttpModeFilter.class)
                        RouteMode mode, String service, List<Endpoint> endpoints, Integer order,
                        EndpointMode endpointMode, LoadBalancing loadBalancing, StickySessions stickySessions,
                        Retries retries, HealthCheck healthCheck, ProxyProtocolVersion proxyProtocol,
                        BackendProtocol backendProtocol, RouteTls tls, RateLimit rateLimit, boolean defaultBackend,
                        List<Rule> rules) {

    public RouteSpec {
        mode = mode == null ? RouteMode.HTTP : mode;
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        endpointMode = endpointMode == null ? EndpointMode.TASKS : endpointMode;
        loadBalancing = loadBalancing == null ? new LoadBalancing(null) : loadBalancing;
        stickySessions = stickySessions == null ? new StickySessions(false, null) : stickySessions;
        retries = retries == null ? new Retries(null) : retries;
        rules = rules == null ? List.of() : List.copyOf(rules);
        backendProtocol = backendProtocol == BackendProtocol.HTTP1 ? null : backendProtocol;
    }

    /** How requests go to the endpoints, the default (HTTP/1.1) when unset. */
    public BackendProtocol backendProtocolOrDefault() {
        return backendProtocol == null ? BackendProtocol.HTTP1 : backendProtocol;
    }

    /** A spec that sends the given rules to a Swarm service, everything else at its default. */
    public static RouteSpec forService(String service, List<Rule> rules) {
        return new RouteSpec(null, service, null, null, null, null, null, null, null, null, null, null, null, false,
                rules);
    }

    /** The same spec in another mode. */
    public RouteSpec withMode(RouteMode newMode) {
        return new RouteSpec(newMode, service, endpoints, order, endpointMode, loadBalancing, stickySessions, retries,
                healthCheck, proxyProtocol, backendProtocol, tls, rateLimit, defaultBackend, rules);
    }

    /** The hosts the route's ACME certificate is for: {@code tls.hosts}, else every host of its rules. */
    public List<String> acmeHosts() {
        if (tls == null || !tls.acme()) {
            return List.of();
        }
        return tls.hosts().isEmpty() ? rules.stream().flatMap(r -> r.hosts().stream()).distinct().toList()
                : tls.hosts();
    }

    /** A spec that sends the given rules to static endpoints, everything else at its default. */
    public static RouteSpec forEndpoints(List<Endpoint> endpoints, List<Rule> rules) {
        return new RouteSpec(null, null, endpoints, null, null, null, null, null, null, null, null, null, null, false,
                rules);
    }

    /**
     * Leaves the default mode out of the JSON: the canonical form of an HTTP route, and so every snapshot version
     * computed before modes existed, stays what it was (replicas and controllers of both releases agree).
     */
    static final class HttpModeFilter {
        @Override
        public boolean equals(Object value) {
            return value == null || value == RouteMode.HTTP;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }
}
