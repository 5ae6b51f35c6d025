package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.schema.Endpoint;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The controller against swarm-sim over real sockets: the snapshot follows the swarm. */
class SwarmReconcileTest {

    ControllerHarness h;

    @BeforeEach
    void start() throws Exception {
        h = new ControllerHarness(Optional.empty());
        await().atMost(Duration.ofSeconds(5)).until(() -> h.controller.store().hasPublished());
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    private Snapshot awaitSnapshot(java.util.function.Predicate<Snapshot> condition) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> condition.test(h.controller.store().current()));
        return h.controller.store().current();
    }

    private static List<String> addresses(Snapshot s, String service) {
        return s.endpoints().stream().filter(e -> e.service().equals(service)).findFirst()
                .map(e -> e.endpoints().stream().map(Endpoint::address).toList()).orElse(List.of());
    }

    private static Optional<Route> route(Snapshot s, String name) {
        return s.routes().stream().filter(r -> r.name().equals(name)).findFirst();
    }

    @Test
    void createUpdateScaleAndRemoveAreFollowed() throws Exception {
        h.createService("go-demo", 2, "com.df.notify=true", "com.df.servicePath=/demo", "com.df.port=8080");
        Snapshot created = awaitSnapshot(s -> addresses(s, "go-demo").size() == 2);
        assertThat(route(created, "go-demo").orElseThrow().spec().rules().get(0).paths()).containsExactly("/demo");

        h.updateService("go-demo", spec -> ((tools.jackson.databind.node.ObjectNode) spec.get("Labels"))
                .put("com.df.servicePath", "/demo,/v2"));
        awaitSnapshot(s -> route(s, "go-demo").map(r -> r.spec().rules().get(0).paths().size() == 2).orElse(false));

        h.updateService("go-demo", spec -> ((tools.jackson.databind.node.ObjectNode) spec.at("/Mode/Replicated")).put("Replicas", 4));
        awaitSnapshot(s -> addresses(s, "go-demo").size() == 4);

        h.updateService("go-demo", spec -> ((tools.jackson.databind.node.ObjectNode) spec.at("/Mode/Replicated")).put("Replicas", 0));
        Snapshot scaledToZero = awaitSnapshot(s -> addresses(s, "go-demo").isEmpty());
        assertThat(route(scaledToZero, "go-demo")).as("scaled to 0 keeps its route").isPresent();

        h.removeService("go-demo");
        awaitSnapshot(s -> route(s, "go-demo").isEmpty() && s.endpoints().stream().noneMatch(e -> e.service().equals("go-demo")));
    }

    @Test
    void aBadLabelOnOneServiceLeavesTheOthersIntact() throws Exception {
        h.createService("good", 1, "com.df.notify=true", "com.df.servicePath=/good", "com.df.port=8080");
        h.createService("bad", 1, "com.df.notify=true", "com.df.servicePath=/bad", "com.df.port=abc");
        h.createService("ignored", 1, "com.df.servicePath=/ignored", "com.df.port=8080");
        Snapshot s = awaitSnapshot(x -> addresses(x, "good").size() == 1);
        assertThat(s.routes()).extracting(Route::name).containsExactly("good");
        JsonNode status = h.get("/v1/status");
        JsonNode bad = status.get("routes").valueStream().filter(r -> r.get("name").asString().equals("bad"))
                .findFirst().orElseThrow();
        assertThat(bad.get("accepted").asBoolean()).isFalse();
        assertThat(bad.at("/conditions/0/type").asString()).isEqualTo("Invalid");
        assertThat(bad.at("/conditions/0/message").asString()).isEqualTo("com.df.port: \"abc\" is not a port (1-65535)");
    }

    @Test
    void aWaitingPullIsAnsweredWithin500msOfAServiceBeingCreated() throws Exception {
        String version = h.controller.store().current().version();
        CompletableFuture<HttpResponse<String>> parked = CompletableFuture.supplyAsync(() -> {
            try {
                return h.pull("r1", version, "wait=10s");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> h.controller.store().parkedPulls() == 1);
        long started = System.nanoTime();
        h.createService("fresh", 1, "com.df.notify=true", "com.df.servicePath=/fresh", "com.df.port=8080");
        HttpResponse<String> answer = parked.get();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(took).isLessThan(Duration.ofMillis(500));
        SnapshotUpdate update = RouteJson.read(answer.body(), SnapshotUpdate.class);
        assertThat(update.isDelta()).as("the controller still has the replica's version").isTrue();
        assertThat(update.routes()).extracting(Route::name).containsExactly("fresh");
    }

    @Test
    void theSnapshotIsNotModifiedWhenNothingChangesAndServedInFullToANewReplica() throws Exception {
        h.createService("web", 1, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080");
        Snapshot s = awaitSnapshot(x -> addresses(x, "web").size() == 1);
        HttpResponse<String> unchanged = h.pull("r1", s.version(), "wait=300ms");
        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(unchanged.headers().firstValue("Ballast-Version")).contains(s.version());
        HttpResponse<String> fresh = h.pull("r2", null, null);
        SnapshotUpdate full = RouteJson.read(fresh.body(), SnapshotUpdate.class);
        assertThat(full.isDelta()).isFalse();
        assertThat(full.applyTo(null)).isEqualTo(s);
        HttpResponse<String> unknownBase = h.pull("r3", "0123456789abcdef", null);
        assertThat(RouteJson.read(unknownBase.body(), SnapshotUpdate.class).isDelta()).isFalse();
        assertThat(h.pull("", null, null).statusCode()).isEqualTo(400);
    }

    @Test
    void theDockerApiCanBeAUnixSocket(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String socket = h.sim.listen("unix://" + dir.resolve("docker.sock"));
        try (Controller overSocket = Controller.start(ControllerHarness.config(socket, Optional.empty()),
                java.time.Clock.systemUTC())) {
            h.createService("sock", 1, "com.df.notify=true", "com.df.servicePath=/sock", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(10)).until(() -> route(overSocket.store().current(), "sock").isPresent()
                    && addresses(overSocket.store().current(), "sock").size() == 1);
            assertThat(overSocket.store().current().version()).isEqualTo(awaitSnapshot(
                    x -> addresses(x, "sock").size() == 1).version());
        }
    }

    @Test
    void vipModeUsesTheServiceVirtualIp() throws Exception {
        h.createService("vip", 2, "com.df.notify=true", "com.df.servicePath=/vip", "com.df.port=8080",
                "com.df.endpointMode=vip");
        Snapshot s = awaitSnapshot(x -> addresses(x, "vip").size() == 1);
        String vip = h.engine("GET", "/services/vip", null).at("/Endpoint/VirtualIPs/0/Addr").asString().replace("/24", "");
        assertThat(s.endpoints()).contains(new Endpoints("vip", List.of(new Endpoint(vip))));
    }
}
