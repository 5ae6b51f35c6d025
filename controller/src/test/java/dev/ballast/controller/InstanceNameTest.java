package dev.ballast.controller;

import static dev.ballast.controller.ControllerHarness.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.schema.Route;
import dev.ballast.schema.Snapshot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Several Ballast deployments on one swarm: each controller routes only the services whose
 * {@code com.df.proxyInstanceName} names its {@code --instance-name}; services without the label belong to
 * {@code docker-flow}. The others are someone else's: no route, no condition, only counted in {@code /v1/status}.
 */
class InstanceNameTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    ControllerHarness h;
    Controller internal;

    @BeforeEach
    void start() throws Exception {
        h = new ControllerHarness(Optional.empty());
        internal = Controller.start(ControllerHarness.config(h.dockerHost, Optional.empty(), Duration.ofMillis(800),
                "internal"), Clock.systemUTC());
        await().atMost(Duration.ofSeconds(5)).until(() -> h.controller.store().hasPublished()
                && internal.store().hasPublished());
    }

    @AfterEach
    void stop() throws Exception {
        try {
            internal.close();
        } finally {
            h.close();
        }
    }

    private static List<String> routeNames(Controller controller) {
        return controller.store().current().routes().stream().map(Route::name).sorted().toList();
    }

    private static Snapshot awaitRoutes(Controller controller, String... names) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> routeNames(controller).equals(List.of(names)));
        return controller.store().current();
    }

    private static JsonNode get(Controller controller, String path) throws Exception {
        return ControllerHarness.JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + controller.address().getPort() + path)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static HttpResponse<String> push(Controller controller, String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.address().getPort()
                + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void eachControllerRoutesOnlyTheServicesOfItsInstance() throws Exception {
        h.createService("public-web", 1, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080");
        h.createService("admin-ui", 1, "com.df.notify=true", "com.df.servicePath=/admin", "com.df.port=8080",
                "com.df.proxyInstanceName=internal");
        h.createService("named-default", 1, "com.df.notify=true", "com.df.servicePath=/named", "com.df.port=8080",
                "com.df.proxyInstanceName=docker-flow");

        awaitRoutes(h.controller, "named-default", "public-web");
        awaitRoutes(internal, "admin-ui");

        JsonNode status = get(h.controller, "/v1/status");
        assertThat(status.get("instanceName").asString()).isEqualTo("docker-flow");
        assertThat(status.get("otherInstanceServices").asInt()).isEqualTo(1);
        assertThat(status.get("routes").toString()).doesNotContain("admin-ui");
        for (JsonNode route : status.get("routes")) {
            assertThat(route.toString()).as("no condition about the instance label")
                    .doesNotContain("proxyInstanceName").doesNotContain("Warning");
        }
        JsonNode internalStatus = get(internal, "/v1/status");
        assertThat(internalStatus.get("instanceName").asString()).isEqualTo("internal");
        assertThat(internalStatus.get("otherInstanceServices").asInt()).isEqualTo(2);
        assertThat(internalStatus.get("routes").toString()).contains("admin-ui").doesNotContain("public-web");

        // relabelled to the other instance: it moves from one controller to the other
        h.updateService("public-web", spec -> ((tools.jackson.databind.node.ObjectNode) spec.get("Labels"))
                .put("com.df.proxyInstanceName", "Internal")); // compared case-insensitively, as Docker Flow did
        awaitRoutes(h.controller, "named-default");
        awaitRoutes(internal, "admin-ui", "public-web");
        await().atMost(Duration.ofSeconds(5)).until(() -> get(h.controller, "/v1/status")
                .get("otherInstanceServices").asInt() == 2);

        h.removeService("admin-ui");
        awaitRoutes(internal, "public-web");
        await().atMost(Duration.ofSeconds(5)).until(() -> get(h.controller, "/v1/status")
                .get("otherInstanceServices").asInt() == 1);
    }

    @Test
    void thePushApiFiltersTheSameWay() throws Exception {
        String params = "&servicePath=" + q("/shop") + "&port=8080";
        HttpResponse<String> elsewhere = push(h.controller, "/v1/docker-flow-proxy/reconfigure?serviceName=shop"
                + params + "&proxyInstanceName=internal");
        assertThat(elsewhere.statusCode()).as("the swarm listener counts it done").isEqualTo(200);
        assertThat(elsewhere.body()).contains("\"Status\":\"OK\"", "ignored: proxyInstanceName is \\\"internal\\\"",
                "routes for \\\"docker-flow\\\"");
        assertThat(h.controller.push().state()).isEmpty();

        HttpResponse<String> here = push(internal, "/v1/docker-flow-proxy/reconfigure?serviceName=shop" + params
                + "&proxyInstanceName=internal");
        assertThat(here.statusCode()).isEqualTo(200);
        awaitRoutes(internal, "shop");

        HttpResponse<String> unlabelled = push(internal, "/v1/docker-flow-proxy/reconfigure?serviceName=cart"
                + params);
        assertThat(unlabelled.body()).contains("proxyInstanceName is not set (docker-flow)");
        push(h.controller, "/v1/docker-flow-proxy/reconfigure?serviceName=cart" + params);
        awaitRoutes(h.controller, "cart");

        // a remove for another instance leaves this one's service alone
        HttpResponse<String> removeElsewhere = push(internal,
                "/v1/docker-flow-proxy/remove?serviceName=shop&proxyInstanceName=docker-flow");
        assertThat(removeElsewhere.statusCode()).isEqualTo(200);
        assertThat(removeElsewhere.body()).contains("ignored");
        assertThat(internal.push().state()).containsOnlyKeys("shop");
        push(internal, "/v1/docker-flow-proxy/remove?serviceName=shop&proxyInstanceName=internal");
        awaitRoutes(internal);

        // pushed again for another instance: it leaves this one
        push(h.controller, "/v1/docker-flow-proxy/reconfigure?serviceName=cart" + params + "&proxyInstanceName=x");
        awaitRoutes(h.controller);
    }
}
