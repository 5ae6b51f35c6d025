package dev.ballast.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotAndJsonTest {

    private static Route route(String name, int port) {
        return Route.of(name, RouteSpec.forService(name, List.of(Rule.prefix(List.of("/" + name + "/"), port))));
    }

    @Test
    void aRouteSurvivesAJsonRoundTrip() {
        LoadResult examples = RouteLoader.parse("x.yaml", """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: full }
                spec:
                  endpoints: [{ address: "10.0.0.1:80" }]
                  healthCheck: { path: /h, interval: 1500ms }
                  rules:
                    - paths: [/a]
                      timeouts: { server: 90s }
                      requestHeaders: { add: { B: "2", A: "1" } }
                      auth: { users: [{ name: u, password: p }] }
                      redirect: { httpsOnly: true }
                """);
        Route route = examples.routes().get(0).route();
        assertThat(RouteJson.read(RouteJson.write(route), Route.class)).isEqualTo(route);
        assertThat(route.spec().rules().get(0).timeouts().server()).isEqualTo(Duration.ofSeconds(90));
        assertThat(RouteJson.write(route)).contains("\"server\":\"1m30s\"").contains("\"interval\":\"1s500ms\"")
                .as("map entries are sorted").contains("{\"A\":\"1\",\"B\":\"2\"}");
    }

    @Test
    void writingADefaultOutOrLeavingItOutIsTheSameRoute() {
        Route implicit = RouteLoader.parse("a.yaml", """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: web }
                spec: { service: web, rules: [{ port: 80 }] }
                """).routes().get(0).route();
        Route explicit = RouteLoader.parse("b.yaml", """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: web }
                spec:
                  service: web
                  endpointMode: Tasks
                  loadBalancing: { policy: PeakEwma }
                  retries: { attempts: 1 }
                  stickySessions: { enabled: false, cookieName: BALLAST_STICKY }
                  defaultBackend: false
                  rules: [{ port: 80, paths: [/], pathType: Prefix, excludePaths: [], denyHttp: false }]
                """).routes().get(0).route();
        assertThat(explicit).isEqualTo(implicit);
        assertThat(RouteJson.write(explicit)).isEqualTo(RouteJson.write(implicit));
    }

    @Test
    void anEmptyCookieNameIsTheDefaultAndKeepsItsVersionThroughJson() {
        // as a pulled snapshot may carry it (route files refuse it by their schema)
        Route route = RouteJson.read("""
                {"apiVersion": "ballast.dev/v1alpha1", "kind": "Route", "metadata": {"name": "web"},
                 "spec": {"service": "web", "stickySessions": {"enabled": true, "cookieName": ""},
                          "rules": [{"port": 80}]}}
                """, Route.class);
        assertThat(route.spec().stickySessions().cookieName()).isEqualTo(StickySessions.DEFAULT_COOKIE);
        Snapshot snapshot = Snapshot.of(List.of(route), List.of());
        // as a replica saves it and reads it back after a restart: applying checks the content against its version
        SnapshotUpdate saved = RouteJson.read(RouteJson.write(SnapshotUpdate.full(snapshot)), SnapshotUpdate.class);
        assertThat(saved.applyTo(null)).isEqualTo(snapshot);
    }

    @Test
    void theVersionIsAContentHashIndependentOfOrder() {
        List<Route> routes = new ArrayList<>(List.of(route("a", 80), route("b", 81), route("c", 82)));
        List<Endpoints> endpoints = new ArrayList<>(List.of(
                new Endpoints("a", List.of(new Endpoint("10.0.0.2"), new Endpoint("10.0.0.1"))),
                new Endpoints("b", List.of(new Endpoint("10.0.1.1")))));
        Snapshot first = Snapshot.of(routes, endpoints);

        Collections.reverse(routes);
        Collections.reverse(endpoints);
        Snapshot shuffled = Snapshot.of(routes, List.of(endpoints.get(0),
                new Endpoints("a", List.of(new Endpoint("10.0.0.1"), new Endpoint("10.0.0.2")))));

        assertThat(shuffled.version()).isEqualTo(first.version()).hasSize(16).matches("[0-9a-f]{16}");
        assertThat(shuffled).isEqualTo(first);
    }

    @Test
    void anyChangeChangesTheVersion() {
        Snapshot base = Snapshot.of(List.of(route("a", 80)), List.of(new Endpoints("a", List.of(new Endpoint("10.0.0.1")))));
        assertThat(Snapshot.of(List.of(route("a", 81)), base.endpoints()).version()).isNotEqualTo(base.version());
        assertThat(Snapshot.of(base.routes(), List.of(new Endpoints("a", List.of(new Endpoint("10.0.0.9")))))
                .version()).isNotEqualTo(base.version());
        assertThat(Snapshot.of(base.routes(), List.of()).version()).isNotEqualTo(base.version());
    }

    @Test
    void theVersionIsStableAcrossProcesses() {
        // A fixed input must hash the same in every build and JVM, so that controller replicas agree. If this
        // fails after a deliberate change to the canonical form, every replica will simply fetch once.
        Snapshot snapshot = Snapshot.of(List.of(route("a", 80)), List.of(new Endpoints("a", List.of(new Endpoint("10.0.0.1")))));
        assertThat(RouteJson.write(Map.of("routes", snapshot.routes(), "endpoints", snapshot.endpoints())))
                .isEqualTo("{\"endpoints\":[{\"service\":\"a\",\"endpoints\":[{\"address\":\"10.0.0.1\"}]}],"
                        + "\"routes\":[{\"apiVersion\":\"ballast.dev/v1alpha1\",\"kind\":\"Route\",\"metadata\":"
                        + "{\"name\":\"a\"},\"spec\":{\"service\":\"a\",\"endpointMode\":\"Tasks\",\"loadBalancing\":"
                        + "{\"policy\":\"PeakEwma\"},\"stickySessions\":{\"enabled\":false,\"cookieName\":"
                        + "\"BALLAST_STICKY\"},\"retries\":{\"attempts\":1},\"defaultBackend\":false,\"rules\":[{"
                        + "\"paths\":[\"/a/\"],\"pathType\":\"Prefix\",\"methods\":{},\"port\":80,\"requestHeaders\":{},"
                        + "\"responseHeaders\":{},\"denyHttp\":false}]}}]}");
        assertThat(snapshot.version()).isEqualTo(SnapshotVersions.versionOf(snapshot));
    }

    @Test
    void snapshotsRoundTripThroughJson() {
        Snapshot snapshot = Snapshot.of(List.of(route("a", 80), route("b", 81)),
                List.of(new Endpoints("a", List.of(new Endpoint("10.0.0.1")))));
        Snapshot back = RouteJson.read(RouteJson.writeBytes(snapshot), Snapshot.class);
        assertThat(back).isEqualTo(snapshot);
        assertThat(SnapshotVersions.versionOf(back)).isEqualTo(snapshot.version());
    }

    @Test
    void redactionHidesEveryPasswordAtAnyDepthAndLeavesTheValueAlone() {
        Rule.Auth auth = new Rule.Auth(null, List.of(new Rule.User("ops", "hunter2", null),
                new Rule.User("dev", null, "$6$salt$hash"), new Rule.User("admin", null, null)));
        Rule rule = new Rule(null, null, null, null, null, null, null, null, 80, null, null, null, null, auth, null,
                false, null, null, false);
        Snapshot snapshot = Snapshot.of(List.of(Route.of("shop", RouteSpec.forService("shop", List.of(rule)))),
                List.of());
        String version = snapshot.version();
        String shown = new String(RouteJson.writeRedactedBytes(Map.of("routes", snapshot.routes(),
                "nested", List.of(Map.of("password", "p2", "other", "kept")))), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(shown).doesNotContain("hunter2").doesNotContain("$6$salt$hash").doesNotContain("p2")
                .contains("{\"name\":\"ops\",\"password\":\"<redacted>\"}")
                .contains("{\"name\":\"dev\",\"passwordHash\":\"<redacted>\"}")
                .contains("{\"name\":\"admin\"}").contains("\"other\":\"kept\"");
        assertThat(snapshot.routes().get(0).spec().rules().get(0).auth().users().get(0).password()).isEqualTo("hunter2");
        assertThat(snapshot.hasConsistentVersion()).isTrue();
        assertThat(snapshot.version()).isEqualTo(version);
    }
}
