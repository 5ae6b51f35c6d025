package dev.ballast.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.Endpoint;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.LoadResult;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.Snapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutingTableTest {

    private static final String ROUTES = """
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: any }
            spec: { service: any, rules: [{ paths: [/], port: 80 }] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: api }
            spec:
              service: api
              rules:
                - { paths: [/api/], port: 80, methods: { deny: [DELETE] } }
                - { paths: [/api/v2/], port: 81, headers: [{ name: X-Beta, value: "1" }] }
                - { paths: [/api/v2/], port: 82, srcPort: 8443 }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: exact }
            spec: { service: exact, rules: [{ paths: [/api/], pathType: Exact, port: 80 }] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: regex }
            spec: { service: regex, rules: [{ paths: ["\\\\.(png|jpg)$"], pathType: Regex, port: 80 }] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: shop }
            spec:
              service: shop
              rules:
                - { paths: [/], hosts: [shop.example.com], port: 80, excludePaths: [/admin] }
                - { paths: [/m/], hosts: ["*.example.com"], port: 80, userAgents: [iPhone] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: wild }
            spec: { service: wild, rules: [{ paths: [/], hosts: ["*.example.com"], port: 80 }] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: deeper }
            spec: { service: deeper, rules: [{ paths: [/], hosts: ["*.eu.example.com"], port: 80 }] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: first }
            spec: { service: first, order: 1, rules: [{ paths: [/api/v2/pinned], port: 80 }] }
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: static }
            spec: { endpoints: [{ address: "10.0.0.9:9000" }], rules: [{ paths: [/static/], methods: { allow: [GET] } }] }
            """;

    private static final RoutingTable TABLE = RoutingTable.compile(snapshot(ROUTES));

    static Snapshot snapshot(String yaml) {
        LoadResult loaded = RouteLoader.parse("routes.yaml", yaml);
        assertThat(loaded.problems()).isEmpty();
        return Snapshot.of(loaded.routes().stream().map(LoadedRoute::route).toList(),
                List.of(new Endpoints("api", List.of(new Endpoint("10.0.0.1")))));
    }

    static RequestFacts request(String method, String host, String path, Map<String, String> headers, int port) {
        return new RequestFacts(method, host, path, headers::get, port);
    }

    static String outcome(Match m) {
        if (m instanceof Match.Matched x) {
            return x.route().name() + "#" + x.route().spec().rules().indexOf(x.rule()) + (x.fromDomain() ? " redirect" : "");
        }
        if (m instanceof Match.MethodNotAllowed x) {
            return "405 " + x.route().name() + " " + x.allow();
        }
        return "404";
    }

    @ParameterizedTest(name = "{0} {1}{2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        "GET    | other.org        | /anything          | any#0",
        "GET    | other.org        | /api/x             | api#0",
        "GET    | other.org        | /api/              | exact#0",
        "GET    | other.org        | /api/v2/x          | api#0",
        "GET    | other.org        | /img/a.png         | any#0",
        "GET    | shop.example.com | /                  | shop#0",
        "GET    | SHOP.Example.COM:8080 | /cart         | shop#0",
        "GET    | shop.example.com.| /cart              | shop#0",
        "GET    | shop.example.com | /admin/users       | wild#0",
        "GET    | x.example.com    | /m/page            | wild#0",
        "GET    | a.eu.example.com | /                  | deeper#0",
        "GET    | example.com      | /                  | any#0",
        "GET    | other.org        | /api/v2/pinned     | first#0",
        "DELETE | other.org        | /api/x             | 405 api [GET, HEAD, POST, PUT, PATCH, OPTIONS]",
        "POST   | other.org        | /static/app.js     | 405 static [GET]",
        "GET    | other.org        | /static/app.js     | static#0",
    })
    void matchesTheMostSpecificRule(String method, String host, String path, String expected) {
        assertThat(outcome(TABLE.match(request(method, host, path, Map.of(), 80)))).isEqualTo(expected);
    }

    @Test
    void headersUserAgentsAndListenerPortsNarrowARule() {
        assertThat(outcome(TABLE.match(request("GET", "o", "/api/v2/x", Map.of("x-beta", "1"), 80)))).isEqualTo("api#1");
        assertThat(outcome(TABLE.match(request("GET", "o", "/api/v2/x", Map.of("x-beta", "2"), 80)))).isEqualTo("api#0");
        assertThat(outcome(TABLE.match(request("GET", "o", "/api/v2/x", Map.of(), 8443)))).isEqualTo("api#2");
        assertThat(outcome(TABLE.match(request("GET", "x.example.com", "/m/p",
                Map.of("user-agent", "Mozilla (iPhone; CPU)"), 80)))).isEqualTo("shop#1");
    }

    @Test
    void regexesMatchWhenNothingMoreSpecificDoes() {
        RoutingTable table = RoutingTable.compile(snapshot(ROUTES.substring(ROUTES.indexOf("---") + 4)));
        assertThat(outcome(table.match(request("GET", "o", "/img/a.png", Map.of(), 80)))).isEqualTo("regex#0");
        assertThat(outcome(table.match(request("GET", "o", "/img/a.gif", Map.of(), 80)))).isEqualTo("404");
    }

    @Test
    void endpointsComeFromTheServiceOrTheRoute() {
        Match.Matched api = (Match.Matched) TABLE.match(request("GET", "o", "/api/x", Map.of(), 80));
        assertThat(api.endpoints().endpoints()).containsExactly(new Endpoint("10.0.0.1"));
        Match.Matched shop = (Match.Matched) TABLE.match(request("GET", "shop.example.com", "/", Map.of(), 80));
        assertThat(shop.endpoints().endpoints()).as("a service without endpoints: none (503)").isEmpty();
        Match.Matched stat = (Match.Matched) TABLE.match(request("GET", "o", "/static/x", Map.of(), 80));
        assertThat(stat.endpoints().endpoints()).containsExactly(new Endpoint("10.0.0.9:9000"));
    }

    @Test
    void theDefaultBackendCatchesWhatNothingElseMatches() {
        RoutingTable table = RoutingTable.compile(snapshot("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: fallback }
                spec: { service: f, defaultBackend: true, rules: [{ paths: [/never], port: 80 }] }
                """));
        assertThat(outcome(table.match(request("GET", "o", "/x", Map.of(), 80)))).isEqualTo("fallback#0");
        assertThat(outcome(RoutingTable.compile(Snapshot.empty()).match(request("GET", "o", "/x", Map.of(), 80))))
                .isEqualTo("404");
    }

    @Test
    void anOldDomainMatchesItsRuleAndTheHostsOwnerComesFirst() {
        RoutingTable table = RoutingTable.compile(snapshot("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: moved }
                spec:
                  service: moved
                  rules:
                    - port: 80
                      paths: [/shop]
                      hosts: [new.example.com]
                      headers: [{ name: X-A, value: "1" }]
                      methods: { allow: [GET] }
                      redirect: { fromDomains: [old.example.com, "*.older.example.com"] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: owner }
                spec: { service: owner, rules: [{ paths: [/shop/own], hosts: [old.example.com], port: 80 }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: wild }
                spec: { service: wild, rules: [{ paths: [/], hosts: ["*.example.com"], port: 80 }] }
                """));
        Map<String, String> a = Map.of("x-a", "1");
        assertThat(outcome(table.match(request("GET", "old.example.com", "/shop/x", a, 80))))
                .isEqualTo("moved#0 redirect");
        assertThat(outcome(table.match(request("POST", "OLD.example.com:8080", "/shop", a, 80))))
                .as("whatever the method: the new host judges it").isEqualTo("moved#0 redirect");
        assertThat(outcome(table.match(request("GET", "a.b.older.example.com", "/shop", a, 80))))
                .isEqualTo("moved#0 redirect");
        assertThat(outcome(table.match(request("GET", "old.example.com", "/shop/own/1", a, 80))))
                .as("the rule whose own host it is wins").isEqualTo("owner#0");
        assertThat(outcome(table.match(request("GET", "old.example.com", "/shop", Map.of(), 80))))
                .as("the same conditions as the rule: no header, no redirect").isEqualTo("wild#0");
        assertThat(outcome(table.match(request("GET", "old.example.com", "/other", a, 80))))
                .as("nor another path").isEqualTo("wild#0");
        assertThat(outcome(table.match(request("GET", "new.example.com", "/shop", a, 80)))).isEqualTo("moved#0");
        assertThat(outcome(table.match(request("POST", "new.example.com", "/shop", a, 80))))
                .isEqualTo("405 moved [GET]");
    }
}
