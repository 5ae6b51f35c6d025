package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.observability.testing.PrometheusText;
import dev.ballast.schema.Route;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** GitOps files, the Docker Flow push API, precedence between sources, and what /v1/status says. */
class SourcesAndStatusTest {

    @TempDir
    Path routes;

    private static String route(String name, String service, String path) {
        return "apiVersion: ballast.dev/v1alpha1\nkind: Route\nmetadata:\n  name: " + name + "\nspec:\n  service: "
                + service + "\n  rules:\n    - paths: [" + path + "]\n      port: 8080\n";
    }

    private static List<String> routeNames(Controller c) {
        return c.store().current().routes().stream().map(Route::name).toList();
    }

    private static Route route(Controller c, String name) {
        return c.store().current().routes().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode status(ControllerHarness h, String route, boolean accepted) throws Exception {
        for (JsonNode r : h.get("/v1/status").get("routes")) {
            if (r.get("name").asString().equals(route) && r.get("accepted").asBoolean() == accepted) {
                return r;
            }
        }
        throw new AssertionError("no status for " + route);
    }

    @Test
    void gitOpsRoutesAreWatchedAndABrokenFileKeepsItsLastGoodRoutes() throws Exception {
        Files.writeString(routes.resolve("web.yaml"), route("web", "web", "/web"));
        try (ControllerHarness h = new ControllerHarness(Optional.of(routes))) {
            h.createService("web", 1, "com.df.servicePath=/ignored", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> routeNames(h.controller).contains("web")
                    && h.controller.store().current().endpoints().get(0).endpoints().size() == 1);

            Files.writeString(routes.resolve("api.yaml"), route("api", "api", "/api"));
            await().atMost(Duration.ofSeconds(5)).until(() -> routeNames(h.controller).contains("api"));

            // replaced whole, as editors and config tools do: a file read half-written is another test's subject
            replace(routes.resolve("web.yaml"), route("web", "web", "/web") + "      colour: blue\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> h.get("/v1/status").get("gitopsProblems").size() == 1);
            assertThat(h.get("/v1/status").at("/gitopsProblems/0").asString())
                    .isEqualTo(routes.resolve("web.yaml") + ":10: spec.rules[0].colour: unknown field");
            assertThat(routeNames(h.controller)).as("the broken file keeps its last good route").contains("web", "api");

            Files.delete(routes.resolve("api.yaml"));
            await().atMost(Duration.ofSeconds(5)).until(() -> !routeNames(h.controller).contains("api"));
        }
    }

    @Test
    void gitOpsWinsOverLabelsWhichWinOverThePushApi() throws Exception {
        Files.writeString(routes.resolve("web.yaml"), route("web", "web", "/from-git"));
        try (ControllerHarness h = new ControllerHarness(Optional.of(routes))) {
            h.createService("web", 1, "com.df.notify=true", "com.df.servicePath=/from-labels", "com.df.port=8080");
            h.createService("api", 1, "com.df.notify=true", "com.df.servicePath=/from-labels", "com.df.port=8080");
            HttpResponse<String> pushed = h.request("GET", "/v1/docker-flow-proxy/reconfigure?serviceName=api"
                    + "&servicePath=/from-push&port=8080");
            assertThat(pushed.statusCode()).isEqualTo(200);
            // The push may be published before the pass that reads the two new services: wait for the labels' route.
            await().atMost(Duration.ofSeconds(5)).until(() -> routeNames(h.controller).containsAll(List.of("web", "api"))
                    && route(h.controller, "api").spec().rules().get(0).paths().equals(List.of("/from-labels")));
            assertThat(route(h.controller, "web").spec().rules().get(0).paths()).containsExactly("/from-git");
            assertThat(route(h.controller, "api").spec().rules().get(0).paths()).containsExactly("/from-labels");

            JsonNode loser = status(h, "web", false);
            assertThat(loser.get("source").asString()).isEqualTo("swarm");
            assertThat(loser.at("/conditions/0/type").asString()).isEqualTo("Conflict");
            assertThat(loser.at("/conditions/0/message").asString()).startsWith("also defined by gitops (" + routes.resolve("web.yaml"));
            JsonNode winner = status(h, "web", true);
            assertThat(winner.get("conditions").findValuesAsString("type")).contains("Accepted", "Conflict");
            assertThat(status(h, "api", false).at("/conditions/0/message").asString()).startsWith("also defined by swarm");
        }
    }

    @Test
    void theDockerFlowPushApi() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            HttpResponse<String> ok = h.request("GET", "/v1/docker-flow-proxy/reconfigure?serviceName=legacy"
                    + "&servicePath=/legacy&port=8080&distribute=true");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ControllerHarness.JSON.readTree(ok.body()).get("Status").asString()).isEqualTo("OK");
            await().atMost(Duration.ofSeconds(5)).until(() -> routeNames(h.controller).contains("legacy"));

            HttpResponse<String> noName = h.request("GET", "/v1/docker-flow-proxy/reconfigure?servicePath=/x&port=1");
            assertThat(noName.statusCode()).isEqualTo(400);
            assertThat(noName.body()).contains("\"Status\":\"NOK\"", "serviceName parameter is mandatory.");
            HttpResponse<String> nothingToRoute = h.request("GET", "/v1/docker-flow-proxy/reconfigure?serviceName=x&port=80");
            assertThat(nothingToRoute.statusCode()).as("Docker Flow's 409, which the listener counts as done").isEqualTo(409);
            HttpResponse<String> badPort = h.request("POST", "/v1/docker-flow-proxy/reconfigure?serviceName=x&servicePath=/x&port=abc");
            assertThat(badPort.statusCode()).isEqualTo(400);
            assertThat(badPort.body()).contains("port: \\\"abc\\\" is not a port (1-65535)");

            assertThat(h.request("GET", "/v1/docker-flow-proxy/remove?serviceName=legacy").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> !routeNames(h.controller).contains("legacy"));

            h.createService("listed", 3, "com.df.notify=true", "com.df.servicePath=/l", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> h.get("/v1/docker-flow-swarm-listener/get-services").size() == 1);
            JsonNode listed = h.get("/v1/docker-flow-swarm-listener/get-services").get(0);
            assertThat(listed.get("serviceName").asString()).isEqualTo("listed");
            assertThat(listed.get("servicePath").asString()).isEqualTo("/l");
            assertThat(listed.get("replicas").asString()).isEqualTo("3");
            assertThat(listed.get("distribute").asString()).isEqualTo("true");
            assertThat(listed.has("notify")).isFalse();
        }
    }

    @Test
    void replicasAreReadyPendingOrDegradedAndRejectedVersionsAreReofferedWithBackoff() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            h.createService("web", 1, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> routeNames(h.controller).contains("web"));
            String current = h.controller.store().current().version();

            h.pull("good", current, "wait=10ms");
            h.pull("behind", "", "wait=10ms");
            h.pull("picky", "", "rejected=" + current + "&error=" + ControllerHarness.q("bad regex") + "&wait=10ms");
            JsonNode replicas = h.get("/v1/status").get("replicas");
            assertThat(replicas.findValuesAsString("id")).containsExactly("behind", "good", "picky");
            assertThat(replicas.get(0).get("state").asString()).isIn("Pending", "Degraded");
            assertThat(replicas.get(1).get("state").asString()).isEqualTo("Ready");
            assertThat(replicas.get(2).get("state").asString()).isEqualTo("Degraded");
            assertThat(replicas.get(2).get("lastError").asString()).isEqualTo("bad regex");

            long started = System.nanoTime();
            HttpResponse<String> reoffer = h.pull("picky", "", "rejected=" + current + "&error=again&wait=10s");
            assertThat(reoffer.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("second rejection: 2 s backoff")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        }
    }

    @Test
    void routesNamingAPortNoReplicaListensOnAreListedWithTheFlagThatWouldServeThem() throws Exception {
        Files.writeString(routes.resolve("ports.yaml"), """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: redis }
                spec: { mode: TCP, service: redis, rules: [{ srcPort: 6379, port: 6379 }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: passthrough }
                spec: { mode: SNI, service: tls, rules: [{ srcPort: 8443, port: 443, hosts: [a.example.com] }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: web }
                spec: { service: web, rules: [{ paths: [/], port: 80, srcPort: 80 }] }
                """);
        try (ControllerHarness h = new ControllerHarness(Optional.of(routes))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> routeNames(h.controller).size() == 3);
            h.pull("old", "", "wait=10ms"); // says nothing of its listeners: nothing is concluded
            assertThat(h.get("/v1/status").get("listenerConditions")).isEmpty();

            // one replica listens on 80 and 6379, its TLS listener on 443: nobody serves 8443 with TLS
            h.pull("r1", "", "listeners=80,6379&tlsListeners=443&wait=10ms");
            JsonNode conditions = h.get("/v1/status").get("listenerConditions");
            assertThat(conditions).hasSize(1);
            assertThat(conditions.at("/0/route").asString()).isEqualTo("passthrough");
            assertThat(conditions.at("/0/port").asInt()).isEqualTo(8443);
            assertThat(conditions.at("/0/message").asString()).contains("--tls-listen 0.0.0.0:8443", "publish 8443");
            assertThat(h.get("/v1/status").at("/replicas/1/listeners/tls/0").asInt()).isEqualTo(443);

            // another replica has it: the fleet serves every port
            h.pull("r2", "", "listeners=80&tlsListeners=8443&wait=10ms");
            assertThat(h.get("/v1/status").get("listenerConditions")).isEmpty();

            HttpResponse<String> bad = h.pull("bad", "", "listeners=80,eighty&wait=10ms");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(ControllerHarness.JSON.readTree(bad.body()).get("message").asString())
                    .isEqualTo("listeners: \"eighty\" is not a port");
        }
    }

    @Test
    void healthAndConfig() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            assertThat(h.request("GET", "/healthz").statusCode()).isEqualTo(200);
            // the API's event loops, as the watchdog sees them (a stalled one turns this 503: see ProbesTest)
            JsonNode health = h.get("/healthz");
            assertThat(health.at("/status").asString()).isEqualTo("ok");
            assertThat(health.at("/eventLoops").size()).isEqualTo(2);
            assertThat(health.at("/eventLoops/1/stalled").asBoolean()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> h.request("GET", "/readyz").statusCode() == 200);
            h.createService("web", 1, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> h.get("/v1/docker-flow-proxy/config?type=json")
                    .at("/routes/web/spec/rules/0/paths/0").asString().equals("/web"));
            assertThat(h.request("GET", "/nope").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void metricsAreScrapeableAsPrometheusText() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            h.createService("web", 1, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> h.get("/v1/docker-flow-proxy/config?type=json")
                    .at("/routes/web").isObject());
            String version = h.get("/v1/status").at("/desiredVersion").asString();
            h.request("GET", "/v1/snapshot?replica=r1&version=" + version + "&wait=0s"); // r1 has the desired version

            HttpResponse<String> scraped = h.request("GET", "/metrics");
            assertThat(scraped.statusCode()).isEqualTo(200);
            List<PrometheusText.Sample> samples = PrometheusText.parse(scraped.body());
            assertThat(PrometheusText.sum(samples, "ballast_reconcile_duration_seconds_count",
                    Map.of("outcome", "published"))).isGreaterThanOrEqualTo(1);
            assertThat(PrometheusText.sum(samples, "ballast_snapshot_published_total", Map.of()))
                    .isGreaterThanOrEqualTo(1);
            assertThat(PrometheusText.sum(samples, "ballast_docker_request_duration_seconds_count",
                    Map.of("operation", "services", "outcome", "ok"))).isGreaterThanOrEqualTo(1);
            assertThat(PrometheusText.sum(samples, "ballast_snapshot_routes", Map.of())).isEqualTo(1);
            assertThat(PrometheusText.sum(samples, "ballast_source_healthy", Map.of("source", "swarm"))).isEqualTo(1);
            assertThat(PrometheusText.sum(samples, "ballast_replicas", Map.of("state", "Ready"))).isEqualTo(1);
            assertThat(PrometheusText.sum(samples, "ballast_replicas", Map.of("state", "Degraded"))).isEqualTo(0);
        }
    }

    /** Writes {@code text} beside {@code file}, then moves it over: a reader sees the old content or the new. */
    private static void replace(Path file, String text) throws IOException {
        Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), text);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
