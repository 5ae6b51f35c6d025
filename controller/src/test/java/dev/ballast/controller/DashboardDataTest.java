package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.config.ControllerConfig;
import dev.ballast.schema.EndpointReport;
import dev.ballast.schema.ReplicaReport;
import dev.ballast.schema.RouteJson;
import dev.ballast.sim.SwarmSim;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What the dashboard reads, over real sockets against the emulator: {@code /v1/dashboard} with each route's endpoints
 * and the figures replicas report in their pulls, a report the controller cannot read, and the page's files served
 * without the token while the data needs it.
 */
class DashboardDataTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void eachEndpointOfARouteShowsWhatEveryReplicaReportedOfIt() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            h.createService("web", 2, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080",
                    "com.df.users=admin:hunter2");
            JsonNode route = await().atMost(Duration.ofSeconds(10)).until(() -> route(h.get("/v1/dashboard"), "web"),
                    r -> r != null && r.get("endpoints").size() == 2);
            assertThat(route.get("accepted").asBoolean()).isTrue();
            assertThat(route.get("paths").toString()).isEqualTo("[\"/web\"]");
            assertThat(route.at("/resource/spec/service").asString()).isEqualTo("web");
            assertThat(route.toString()).doesNotContain("hunter2").contains(RouteJson.REDACTED);
            String address = route.at("/endpoints/0/address").asString();
            assertThat(address).endsWith(":8080");
            assertThat(route.at("/endpoints/0/replicas").size()).isZero(); // nobody reported yet

            HttpResponse<String> pull = pull(h.base, "r1", RouteJson.write(new ReplicaReport(List.of(
                    new EndpointReport(address, 3, 12.5, 1, false, true)))), null);
            assertThat(pull.statusCode()).isEqualTo(200);

            JsonNode data = h.get("/v1/dashboard");
            JsonNode figures = route(data, "web").at("/endpoints/0/replicas/0");
            assertThat(figures.get("replica").asString()).isEqualTo("r1");
            assertThat(figures.get("inFlight").asInt()).isEqualTo(3);
            assertThat(figures.get("latencyMs").asDouble()).isEqualTo(12.5);
            assertThat(figures.get("healthy").asBoolean()).isTrue();
            assertThat(route(data, "web").at("/endpoints/1/replicas").size()).isZero();
            JsonNode replica = data.get("replicas").get(0);
            assertThat(replica.get("id").asString()).isEqualTo("r1");
            assertThat(replica.get("reportedAt").asString()).isNotBlank();
            assertThat(replica.has("reportError")).isFalse(); // nulls are left out
        }
    }

    @Test
    void aRouteWithABadLabelShowsTheLabelAtFault() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            h.createService("bad", 1, "com.df.notify=true", "com.df.servicePath=/bad", "com.df.port=eighty");
            JsonNode route = await().atMost(Duration.ofSeconds(10)).until(() -> route(h.get("/v1/dashboard"), "bad"),
                    r -> r != null);
            assertThat(route.get("accepted").asBoolean()).isFalse();
            assertThat(route.get("conditions").toString()).contains("com.df.port");
            assertThat(route.get("endpoints").size()).isZero();
            assertThat(route.has("resource")).isFalse();
        }
    }

    @Test
    void aReportTheControllerCannotReadIsNotedAndThePullGoesOn() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            HttpResponse<String> pull = pull(h.base, "r2", "{\"endpoints\": [{\"inFlight\": \"many\"", null);
            assertThat(pull.statusCode()).isEqualTo(200); // the snapshot, as ever
            JsonNode replica = h.get("/v1/dashboard").get("replicas").get(0);
            assertThat(replica.get("id").asString()).isEqualTo("r2");
            assertThat(replica.get("reportError").asString()).contains("the pull's body");
        }
    }

    @Test
    void thePageIsServedToAnyoneAndTheDataOnlyWithTheToken() throws Exception {
        SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults());
        String dockerHost = sim.listen("127.0.0.1:0");
        Path tokenFile = Files.writeString(tmp.resolve("token"), "dashboard-token-42\n");
        ControllerConfig c = ControllerHarness.config(dockerHost, Optional.empty());
        try (sim; Controller controller = Controller.start(new ControllerConfig(c.dockerHost(), c.listen(),
                c.routesDir(), c.network(), c.notifyLabel(), c.separator(), c.httpsOnly(), c.resyncInterval(),
                c.taskPollInterval(), c.debounce(), c.eventWatchdog(), c.replicaLagDeadline(), c.replicaTtl(),
                c.snapshotHistory(), c.instanceName(), Optional.of(tokenFile), Optional.empty(), Optional.empty()),
                Clock.systemUTC())) {
            String base = "http://127.0.0.1:" + controller.address().getPort();
            HttpResponse<String> page = get(base + "/", null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'self'");
            assertThat(page.body()).contains("/dashboard/dashboard.js");
            assertThat(get(base + "/dashboard/dashboard.js", null).headers().firstValue("Content-Type"))
                    .hasValue("text/javascript; charset=utf-8");
            assertThat(get(base + "/dashboard/dashboard.css", null).statusCode()).isEqualTo(200);

            HttpResponse<String> refused = get(base + "/v1/dashboard", null);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).doesNotContain("dashboard-token-42");
            assertThat(get(base + "/v1/dashboard", "wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> data = get(base + "/v1/dashboard", "dashboard-token-42");
            assertThat(data.statusCode()).isEqualTo(200);
            assertThat(data.body()).contains("\"desiredVersion\"").doesNotContain("dashboard-token-42");

            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    private static JsonNode route(JsonNode data, String name) {
        for (JsonNode route : data.get("routes")) {
            if (route.get("name").asString().equals(name)) {
                return route;
            }
        }
        return null;
    }

    private static HttpResponse<String> pull(String base, String replica, String report, String token)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/v1/snapshot?replica=" + replica
                + "&version=&wait=1s")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(report));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
