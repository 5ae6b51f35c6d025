package dev.ballast.dataplane.routing;

import dev.ballast.dataplane.exchange.TargetRewrite;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes of one snapshot, compiled for matching (see the package documentation for the order). Immutable: build a
 * new one for a new snapshot and swap the reference; requests in flight keep the table they matched against.
 *
 * <p>A lookup visits the request's exact host, its wildcard suffixes from the longest, and the host-less routes; in
 * each it walks the request path once through a prefix trie. Only regular expressions and routes with an explicit
 * {@code order} are tested one by one.
 */
public final class RoutingTable {

    private final Snapshot snapshot;
    private final List<RuleEntry> ordered;
    private final Map<String, Bucket> exactHosts = new HashMap<>();
    private final Map<String, Bucket> wildcardHosts = new HashMap<>();
    private final Bucket anyHost = new Bucket();
    private final Map<String, Endpoints> endpointsByRoute = new HashMap<>();
    private final RuleEntry defaultBackend;
    /** Whether matching reads the request's host: some rule names one, or has an order (tried one by one). */
    private final boolean hostsMatter;

    private RoutingTable(Snapshot snapshot) {
        this.snapshot = snapshot;
        Map<String, Endpoints> endpoints = new HashMap<>();
        snapshot.endpoints().forEach(e -> endpoints.put(e.service(), e));
        List<RuleEntry> withOrder = new ArrayList<>();
        RuleEntry fallback = null;
        for (Route route : snapshot.routes()) {
            Endpoints upstreams = route.spec().service() != null
                    ? endpoints.getOrDefault(route.spec().service(), new Endpoints(route.spec().service(), List.of()))
                    : new Endpoints("route:" + route.name(), route.spec().endpoints());
            endpointsByRoute.put(route.name(), upstreams);
            for (int i = 0; i < route.spec().rules().size(); i++) {
                Rule rule = route.spec().rules().get(i);
                List<String> hosts = rule.hosts().isEmpty() ? List.of("") : rule.hosts();
                TargetRewrite rewrite = TargetRewrite.compile(rule.rewrite());
                for (String host : hosts) {
                    for (String path : rule.paths()) {
                        RuleEntry entry = new RuleEntry(route, rule, i, upstreams, rewrite, host, path);
                        if (route.spec().order() != null) {
                            withOrder.add(entry);
                        } else {
                            bucketFor(entry).add(entry);
                        }
                        if (fallback == null && route.spec().defaultBackend()) {
                            fallback = entry;
                        }
                    }
                }
            }
        }
        withOrder.sort(Comparator.comparingInt((RuleEntry e) -> e.route.spec().order())
                .thenComparing(RuleEntry.SPECIFICITY));
        this.ordered = List.copyOf(withOrder);
        this.defaultBackend = fallback;
        exactHosts.values().forEach(Bucket::seal);
        wildcardHosts.values().forEach(Bucket::seal);
        anyHost.seal();
        hostsMatter = !ordered.isEmpty() || !exactHosts.isEmpty() || !wildcardHosts.isEmpty();
    }

    /** Compiles a snapshot (which has been validated: every regex compiles). */
    public static RoutingTable compile(Snapshot snapshot) {
        return new RoutingTable(snapshot);
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** The endpoints a route of this table sends to (its service's, or its static ones). */
    public Endpoints endpointsOf(Route route) {
        return endpointsByRoute.getOrDefault(route.name(), new Endpoints("route:" + route.name(), List.of()));
    }

    private Bucket bucketFor(RuleEntry entry) {
        return switch (entry.hostClass) {
            case RuleEntry.EXACT_HOST -> exactHosts.computeIfAbsent(entry.host, h -> new Bucket());
            case RuleEntry.WILDCARD_HOST -> wildcardHosts.computeIfAbsent(entry.host, h -> new Bucket());
            default -> anyHost;
        };
    }

    public Match match(RequestFacts request) {
        String host = hostsMatter ? request.hostName() : "";
        String path = request.path();
        for (RuleEntry e : ordered) {
            if (e.hostMatches(host) && e.pathMatches(path) && e.conditionsHold(request)) {
                return decide(e, request);
            }
        }
        Match found = exactHosts.isEmpty() ? null : firstIn(exactHosts.get(host), request);
        for (int dot = wildcardHosts.isEmpty() ? -1 : host.indexOf('.'); found == null && dot >= 0;
                dot = host.indexOf('.', dot + 1)) {
            found = firstIn(wildcardHosts.get(host.substring(dot + 1)), request); // a.b.c → b.c, then c
        }
        if (found == null) {
            found = firstIn(anyHost, request);
        }
        if (found != null) {
            return found;
        }
        return defaultBackend != null ? decide(defaultBackend, request) : new Match.NoRoute();
    }

    private static Match firstIn(Bucket bucket, RequestFacts request) {
        if (bucket == null) {
            return null;
        }
        for (RuleEntry e : bucket.candidates(request.path())) {
            if (e.conditionsHold(request)) {
                return decide(e, request);
            }
        }
        return null;
    }

    private static Match decide(RuleEntry e, RequestFacts request) {
        return e.refuses(request.method())
                ? new Match.MethodNotAllowed(e.route, e.allowed())
                : new Match.Matched(e.route, e.rule, e.endpoints, e.rewrite);
    }
}
