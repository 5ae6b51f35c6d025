package dev.ballast.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.access.Credentials;
import dev.ballast.dataplane.exchange.TargetRewrite;
import dev.ballast.dataplane.limits.RuleLimits;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.PathType;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteSpec;
import dev.ballast.schema.RouteValidator;
import dev.ballast.schema.Rule;
import dev.ballast.schema.Snapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The indexed table agrees with the obvious reference: sort every (host, path) entry by explicit order, then by
 * specificity, and take the first one that matches the request.
 */
class RoutingTableProperties {

    @Property(tries = 1000)
    void agreesWithALinearScanInSpecificityOrder(@ForAll("routes") List<Route> routes,
                                                 @ForAll("requests") List<RequestFacts> requests) {
        Snapshot snapshot = Snapshot.of(routes, List.of());
        RoutingTable table = RoutingTable.compile(snapshot);
        List<RuleEntry> all = new ArrayList<>();
        for (Route route : snapshot.routes()) {
            for (int i = 0; i < route.spec().rules().size(); i++) {
                Rule rule = route.spec().rules().get(i);
                List<String> hosts = rule.hosts().isEmpty() ? List.of("") : rule.hosts();
                List<String> oldHosts = rule.redirect() == null ? List.of() : rule.redirect().fromDomains();
                for (int h = 0; h < hosts.size() + oldHosts.size(); h++) {
                    boolean fromDomain = h >= hosts.size();
                    for (String path : rule.paths()) {
                        all.add(new RuleEntry(route, rule, i, new Endpoints(route.spec().service(), List.of()),
                                TargetRewrite.compile(rule.rewrite()), RuleLimits.NONE, Credentials.NONE, fromDomain,
                                fromDomain ? oldHosts.get(h - hosts.size()) : hosts.get(h), path));
                    }
                }
            }
        }
        all.sort(Comparator.comparingInt((RuleEntry e) -> e.route.spec().order() == null ? Integer.MAX_VALUE
                : e.route.spec().order()).thenComparing(RuleEntry.SPECIFICITY));
        for (RequestFacts request : requests) {
            String expected = "404";
            for (RuleEntry e : all) {
                if (e.hostMatches(request.hostName()) && e.pathMatches(request.path()) && e.conditionsHold(request)) {
                    expected = e.fromDomain ? e.route.name() + "#" + e.ruleIndex + " redirect"
                            : e.refuses(request.method()) ? "405 " + e.route.name() + " " + e.allowed()
                            : e.route.name() + "#" + e.ruleIndex;
                    break;
                }
            }
            assertThat(RoutingTableTest.outcome(table.match(request))).as(request.toString()).isEqualTo(expected);
        }
    }

    @Provide
    Arbitrary<List<Route>> routes() {
        Arbitrary<PathType> types = Arbitraries.of(PathType.PREFIX, PathType.PREFIX, PathType.EXACT, PathType.REGEX);
        Arbitrary<Rule> rules = Combinators.combine(
                types,
                Arbitraries.of("/", "/a", "/a/", "/a/b", "/ab").list().ofMinSize(1).ofMaxSize(2).uniqueElements(),
                Arbitraries.of("x.com", "*.x.com", "*.y.x.com", "y.x.com").list().ofMaxSize(2).uniqueElements(),
                Arbitraries.of(0, 0, 0, 80, 443),
                Arbitraries.of("", "", "GET"),
                Arbitraries.of(false, false, true),
                Arbitraries.<List<String>>of(List.of(), List.of(), List.of(), List.of("old.com"), List.of("y.x.com"),
                        List.of("*.x.com", "q.x.com")))
                .as((type, paths, hosts, srcPort, deny, needsHeader, from) -> new Rule(
                        type == PathType.REGEX ? paths.stream().map(p -> "^" + p + "$|b$").toList() : paths, type, null,
                        hosts, needsHeader ? List.of(new Rule.HeaderMatch("X-A", "1")) : null, null,
                        deny.isEmpty() ? null : new Rule.Methods(null, List.of(deny)), srcPort == 0 ? null : srcPort, 80,
                        null, null, null, null, null, redirectFrom(hosts, from), false, null,
                        null, false));
        Arbitrary<Route> route = Combinators.combine(Arbitraries.of("a", "b", "c", "d", "e"),
                        rules.list().ofMinSize(1).ofMaxSize(3), Arbitraries.of(-1, -1, -1, 1, 2))
                .as((name, rs, order) -> Route.of(name, new RouteSpec(null, name, null, order < 0 ? null : order, null, null,
                        null, null, null, null, null, null, null, false, rs)));
        return route.list().ofMaxSize(5).uniqueElements(Route::name)
                .filter(list -> list.stream().allMatch(r -> RouteValidator.validate(r).isValid()));
    }

    /** Old domains for a rule whose first host is a name to go to, none of them its own. */
    private static Rule.Redirect redirectFrom(List<String> hosts, List<String> from) {
        List<String> old = from.stream().filter(h -> !hosts.contains(h)).toList();
        return hosts.isEmpty() || hosts.get(0).startsWith("*") || old.isEmpty() ? null
                : new Rule.Redirect(false, null, false, false, old, null);
    }

    @Provide
    Arbitrary<List<RequestFacts>> requests() {
        return Combinators.combine(
                        Arbitraries.of("GET", "POST"),
                        Arbitraries.of("x.com", "y.x.com", "z.y.x.com", "q.x.com", "other", "X.COM:8080", "old.com"),
                        Arbitraries.of("/", "/a", "/a/", "/a/b", "/ab", "/abc", "/a/b/c", "/b"),
                        Arbitraries.of(80, 443),
                        Arbitraries.of(false, true))
                .as((method, host, path, port, header) -> new RequestFacts(method, host, path,
                        header ? Map.of("x-a", "1")::get : Map.<String, String>of()::get, port))
                .list().ofMinSize(1).ofMaxSize(20);
    }
}
