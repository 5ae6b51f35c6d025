package dev.ballast.dataplane.routing;

import dev.ballast.dataplane.access.Credentials;
import dev.ballast.dataplane.access.UserDirectory;
import dev.ballast.dataplane.exchange.TargetRewrite;
import dev.ballast.dataplane.limits.RuleLimits;
import dev.ballast.schema.EndpointAddresses;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteMode;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes of one snapshot, compiled for matching (see the package documentation for the order), with the
 * credentials of every rule. Immutable: build a new one for a new snapshot and swap the reference; requests in flight
 * keep the table they matched against.
 *
 * <p>A lookup visits the request's exact host, its wildcard suffixes from the longest, and the host-less routes; in
 * each it walks the request path once through a prefix trie. Only regular expressions and routes with an explicit
 * {@code order} are tested one by one.
 *
 * <p>A rule's {@code redirect.fromDomains} are hosts too: a request for one of them matches the rule under the same
 * path, port and header conditions, and is answered with the redirect. Where a host is both one rule's own and
 * another's old domain, the rule that owns it is tried first; the redirect applies only to requests none of the
 * owner's rules match.
 *
 * <p>TCP routes take no part in matching: each claims its rules' listener ports ({@link #tcpRoute}), whose connections
 * are relayed whole. Should two claim one port (validation refuses it; a snapshot assembled elsewhere might not), the
 * first by name keeps it.
 *
 * <p>SNI routes take no part in HTTP matching either: their rules' hosts are compiled per port into {@link SniHosts}
 * ({@link #sniHosts}), for the TLS listener on that port to look up the ClientHello's server name. A port claimed by
 * a TCP route serves that route only: SNI rules on it are left unserved ({@link #sniConflicts}).
 */
public final class RoutingTable {

    private final Snapshot snapshot;
    private final List<RuleEntry> ordered;
    private final Map<String, Bucket> exactHosts = new HashMap<>();
    private final Map<String, Bucket> wildcardHosts = new HashMap<>();
    /** The entries of {@code redirect.fromDomains}, tried after the rules whose own host it is. */
    private final Map<String, Bucket> exactRedirects = new HashMap<>();
    private final Map<String, Bucket> wildcardRedirects = new HashMap<>();
    private final Bucket anyHost = new Bucket();
    /** The listener ports claimed by TCP routes. */
    private final Map<Integer, TcpRoute> tcpPorts = new HashMap<>();
    /** The TCP route rules that found their port claimed by another route first (not served). */
    private final List<TcpRoute> tcpConflicts = new ArrayList<>();
    /** The SNI rules by listener port, compiled; none on a port a TCP route claims. */
    private final Map<Integer, SniHosts> sniPorts = new HashMap<>();
    /** Every served SNI rule, one per rule, in route order. */
    private final List<TcpRoute> sniRules = new ArrayList<>();
    /** The SNI rules whose port a TCP route claims (not served). */
    private final List<TcpRoute> sniConflicts = new ArrayList<>();
    private final Map<String, Endpoints> endpointsByRoute;
    private final RuleEntry defaultBackend;
    /** Whether matching reads the request's host: some rule names one, or has an order (tried one by one). */
    private final boolean hostsMatter;

    private RoutingTable(Snapshot snapshot, UserDirectory.Resolved credentials) {
        this.snapshot = snapshot;
        endpointsByRoute = EndpointAddresses.byRoute(snapshot);
        List<RuleEntry> withOrder = new ArrayList<>();
        RuleEntry fallback = null;
        List<TcpRoute> sni = new ArrayList<>();
        for (Route route : snapshot.routes()) {
            Endpoints upstreams = endpointsByRoute.get(route.name());
            if (route.spec().mode() != RouteMode.HTTP) {
                if (route.spec().mode() == RouteMode.TCP) {
                    for (Rule rule : route.spec().rules()) {
                        TcpRoute tcp = new TcpRoute(route, rule, upstreams, RuleLimits.compile(rule));
                        if (tcpPorts.putIfAbsent(rule.srcPort(), tcp) != null) {
                            tcpConflicts.add(tcp);
                        }
                    }
                } else if (route.spec().mode() == RouteMode.SNI) {
                    route.spec().rules().forEach(rule -> sni.add(new TcpRoute(route, rule, upstreams,
                            RuleLimits.compile(rule))));
                }
                continue;
            }
            for (int i = 0; i < route.spec().rules().size(); i++) {
                Rule rule = route.spec().rules().get(i);
                List<String> hosts = rule.hosts().isEmpty() ? List.of("") : rule.hosts();
                List<String> oldHosts = rule.redirect() == null ? List.of() : rule.redirect().fromDomains();
                TargetRewrite rewrite = TargetRewrite.compile(rule.rewrite());
                RuleLimits limits = RuleLimits.compile(rule);
                Credentials access = credentials.of(route, i);
                for (int h = 0; h < hosts.size() + oldHosts.size(); h++) {
                    boolean fromDomain = h >= hosts.size();
                    String host = fromDomain ? oldHosts.get(h - hosts.size()) : hosts.get(h);
                    for (String path : rule.paths()) {
                        RuleEntry entry = new RuleEntry(route, rule, i, upstreams, rewrite, limits, access, fromDomain,
                                host, path);
                        if (route.spec().order() != null) {
                            withOrder.add(entry);
                        } else {
                            bucketFor(entry).add(entry);
                        }
                        if (fallback == null && route.spec().defaultBackend() && !fromDomain) {
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
        for (Map<String, Bucket> buckets : List.of(exactHosts, wildcardHosts, exactRedirects, wildcardRedirects)) {
            buckets.values().forEach(Bucket::seal);
        }
        anyHost.seal();
        hostsMatter = !ordered.isEmpty() || !exactHosts.isEmpty() || !wildcardHosts.isEmpty()
                || !exactRedirects.isEmpty() || !wildcardRedirects.isEmpty();
        compileSni(sni);
    }

    private void compileSni(List<TcpRoute> rules) {
        Map<Integer, SniHosts.Builder> builders = new HashMap<>();
        for (TcpRoute rule : rules) {
            if (tcpPorts.containsKey(rule.port())) {
                sniConflicts.add(rule);
                continue;
            }
            sniRules.add(rule);
            SniHosts.Builder builder = builders.computeIfAbsent(rule.port(), p -> SniHosts.builder());
            rule.rule().hosts().forEach(host -> builder.add(host, rule));
        }
        builders.forEach((port, builder) -> sniPorts.put(port, builder.build()));
    }

    /** The SNI rules of listener port {@code port}, or null when it has none (then TLS is terminated there). */
    public SniHosts sniHosts(int port) {
        return sniPorts.isEmpty() ? null : sniPorts.get(port);
    }

    /** Every served SNI rule, in route order. */
    public List<TcpRoute> sniRoutes() {
        return List.copyOf(sniRules);
    }

    /** The SNI rules left unserved because a TCP route claims their port. */
    public List<TcpRoute> sniConflicts() {
        return List.copyOf(sniConflicts);
    }

    /**
     * Compiles a snapshot (which has been validated: every regex compiles) with the credentials resolved for it.
     */
    public static RoutingTable compile(Snapshot snapshot, UserDirectory.Resolved credentials) {
        return new RoutingTable(snapshot, credentials);
    }

    /** Compiles a snapshot whose rules have only users with passwords of their own (no global users, no secrets). */
    public static RoutingTable compile(Snapshot snapshot) {
        return compile(snapshot, UserDirectory.NONE.resolve(snapshot));
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** The endpoints a route of this table sends to (its service's, or its static ones). */
    public Endpoints endpointsOf(Route route) {
        return endpointsByRoute.getOrDefault(route.name(), new Endpoints("route:" + route.name(), List.of()));
    }

    /** The TCP route that claims listener port {@code port}, or null when HTTP is served there. */
    public TcpRoute tcpRoute(int port) {
        return tcpPorts.isEmpty() ? null : tcpPorts.get(port);
    }

    /** Every TCP route rule of the table, one per claimed port, by port. */
    public List<TcpRoute> tcpRoutes() {
        return tcpPorts.values().stream().sorted(Comparator.comparingInt(TcpRoute::port)).toList();
    }

    /**
     * The TCP route rules left unserved because a route before them by name claims their port (route validation
     * refuses this; a snapshot put together from several sources can still have it).
     */
    public List<TcpRoute> tcpConflicts() {
        return List.copyOf(tcpConflicts);
    }

    private Bucket bucketFor(RuleEntry entry) {
        return switch (entry.hostClass) {
            case RuleEntry.EXACT_HOST -> (entry.fromDomain ? exactRedirects : exactHosts)
                    .computeIfAbsent(entry.host, h -> new Bucket());
            case RuleEntry.WILDCARD_HOST -> (entry.fromDomain ? wildcardRedirects : wildcardHosts)
                    .computeIfAbsent(entry.host, h -> new Bucket());
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
        if (found == null && !exactRedirects.isEmpty()) {
            found = firstIn(exactRedirects.get(host), request);
        }
        boolean wildcards = !wildcardHosts.isEmpty() || !wildcardRedirects.isEmpty();
        for (int dot = wildcards ? host.indexOf('.') : -1; found == null && dot >= 0;
                dot = host.indexOf('.', dot + 1)) {
            String suffix = host.substring(dot + 1); // a.b.c → b.c, then c
            found = firstIn(wildcardHosts.get(suffix), request);
            if (found == null) {
                found = firstIn(wildcardRedirects.get(suffix), request);
            }
        }
        if (found == null) {
            found = firstIn(anyHost, request);
        }
        if (found != null) {
            return found;
        }
        return defaultBackend != null ? decide(defaultBackend, request) : Match.NO_ROUTE;
    }

    private static Match firstIn(Bucket bucket, RequestFacts request) {
        if (bucket == null) {
            return null;
        }
        RuleEntry e = bucket.first(request);
        return e == null ? null : decide(e, request);
    }

    /** A redirect from an old domain is answered whatever the method: the new host will judge it. */
    private static Match decide(RuleEntry e, RequestFacts request) {
        return !e.fromDomain && e.refuses(request.method())
                ? new Match.MethodNotAllowed(e.route, e.allowed())
                : e.matched;
    }
}
