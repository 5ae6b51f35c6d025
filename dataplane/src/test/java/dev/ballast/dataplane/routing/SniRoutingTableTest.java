package dev.ballast.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.Endpoint;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SNI routes compiled per port, beside TCP routes (the snapshot is read as JSON: validation still refuses SNI). */
class SniRoutingTableTest {

    private static Route route(String name, String mode, String rules) {
        return RouteJson.read("""
                {"apiVersion": "ballast.dev/v1alpha1", "kind": "Route", "metadata": {"name": "%s"},
                 "spec": {"mode": "%s", "service": "web", "rules": %s}}""".formatted(name, mode, rules), Route.class);
    }

    private static final RoutingTable TABLE = RoutingTable.compile(Snapshot.of(List.of(
            route("a", "SNI", "[{\"srcPort\": 8443, \"port\": 443, \"hosts\": [\"a.example.com\"]}]"),
            route("b", "SNI", "[{\"srcPort\": 8443, \"port\": 443, \"hosts\": [\"*.example.com\"]},"
                    + " {\"srcPort\": 9443, \"port\": 443, \"hosts\": [\"b.example.org\"]}]"),
            route("c", "SNI", "[{\"srcPort\": 6379, \"port\": 443, \"hosts\": [\"c.example.com\"]}]"),
            route("redis", "TCP", "[{\"srcPort\": 6379, \"port\": 6379}]")),
            List.of(new Endpoints("web", List.of(new Endpoint("10.0.0.1"))))));

    @Test
    void aPortsServerNamesFindTheirRules() {
        assertThat(TABLE.sniHosts(8443).route("a.example.com").name()).isEqualTo("a");
        assertThat(TABLE.sniHosts(8443).route("x.example.com").name()).isEqualTo("b");
        assertThat(TABLE.sniHosts(8443).route("b.example.org")).isNull();
        assertThat(TABLE.sniHosts(9443).route("b.example.org").name()).isEqualTo("b");
        assertThat(TABLE.sniHosts(9443).route("a.example.com")).isNull();
        assertThat(TABLE.sniHosts(80)).isNull();
        assertThat(TABLE.sniHosts(8443).route("a.example.com").endpoints().endpoints()).hasSize(1);
    }

    @Test
    void aPortClaimedByATcpRouteServesNoSniRule() {
        assertThat(TABLE.sniHosts(6379)).isNull();
        assertThat(TABLE.tcpRoute(6379).name()).isEqualTo("redis");
        assertThat(TABLE.sniConflicts()).extracting(TcpRoute::name).containsExactly("c");
        assertThat(TABLE.sniRoutes()).extracting(r -> r.name() + ":" + r.port())
                .containsExactly("a:8443", "b:8443", "b:9443");
    }

    @Test
    void sniRoutesTakeNoPartInHttpMatching() {
        assertThat(RoutingTableTest.outcome(TABLE.match(RoutingTableTest.request("GET", "a.example.com", "/",
                java.util.Map.of(), 8443)))).isEqualTo("404");
    }
}
