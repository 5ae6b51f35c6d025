package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conditions of routes not served on a port: an SNI rule without a TLS listener or on a port a TCP route claims,
 * an HTTP rule pinned to a port no listener has.
 */
class RouteConditionsTest {

    private DataplaneServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Route route(String name, String mode, String rules) {
        return RouteJson.read("""
                {"apiVersion": "ballast.dev/v1alpha1", "kind": "Route", "metadata": {"name": "%s"},
                 "spec": {"mode": "%s", "endpoints": [{"address": "127.0.0.1:9"}], "rules": %s}}"""
                .formatted(name, mode, rules), Route.class);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void anHttpRulePinnedToAPortWithoutListenerIsNoListenerAndTheOthersAreServed() throws Exception {
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(20)));
        server.start();
        int listened = server.trafficAddress().getPort();
        int unlistened = freePort();
        server.apply(Snapshot.of(List.of(
                route("web", "HTTP", "[{\"paths\": [\"/\"], \"port\": 80},"
                        + " {\"paths\": [\"/\"], \"port\": 443, \"srcPort\": " + unlistened + "},"
                        + " {\"paths\": [\"/admin\"], \"port\": 80, \"srcPort\": " + unlistened + "}]"),
                route("pinned-here", "HTTP", "[{\"paths\": [\"/x\"], \"port\": 80, \"srcPort\": " + listened
                        + "}]")), List.of()), "test");

        assertThat(server.routeConditions()).extracting(c -> c.route() + " " + c.type() + " " + c.port())
                .containsExactly("web NoListener " + unlistened);
        assertThat(server.routeConditions().get(0).message()).contains("--listen 0.0.0.0:" + unlistened,
                "--tls-listen 0.0.0.0:" + unlistened, "publish " + unlistened);
    }

    @Test
    void anSniRouteWithoutATlsListenerIsNoListenerAndOneOnATcpPortIsAPortConflict() throws Exception {
        server = new DataplaneServer(TestReplicas.withListeners(TestReplicas.config(Duration.ofSeconds(20)), 2));
        server.start();
        int plain = server.trafficAddresses().get(1).getPort();
        int otherPlain = server.trafficAddresses().get(2).getPort();
        int unlistened = freePort();
        server.apply(Snapshot.of(List.of(
                route("on-plain", "SNI", "[{\"srcPort\": " + plain + ", \"hosts\": [\"a.example.com\"]},"
                        + " {\"srcPort\": " + plain + ", \"hosts\": [\"b.example.com\"]}]"),
                route("orphan", "SNI", "[{\"srcPort\": " + unlistened + ", \"hosts\": [\"c.example.com\"]}]"),
                route("plain-only", "SNI", "[{\"srcPort\": " + otherPlain + ", \"hosts\": [\"e.example.com\"]}]"),
                route("redis", "TCP", "[{\"srcPort\": " + plain + "}]"),
                route("x-late", "SNI", "[{\"srcPort\": " + plain + ", \"hosts\": [\"d.example.com\"]}]")),
                List.of()), "test");

        assertThat(server.routeConditions()).extracting(c -> c.route() + " " + c.type() + " " + c.port())
                .containsExactlyInAnyOrder("orphan NoListener " + unlistened, "plain-only NoListener " + otherPlain,
                        "on-plain PortConflict " + plain, "on-plain PortConflict " + plain,
                        "x-late PortConflict " + plain);
        assertThat(server.routeConditions()).filteredOn(c -> c.route().equals("orphan")).first()
                .satisfies(c -> assertThat(c.message()).contains("--tls-listen 0.0.0.0:" + unlistened));
    }
}
