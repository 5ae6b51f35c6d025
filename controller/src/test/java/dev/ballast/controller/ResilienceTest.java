package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.schema.Route;
import dev.ballast.schema.Snapshot;
import dev.ballast.sim.SwarmSim;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Failures of the Docker API and of the event stream never lose routes, and the controller recovers. */
class ResilienceTest {

    private static boolean hasRoute(Controller c, String name) {
        return c.store().current().routes().stream().map(Route::name).anyMatch(name::equals);
    }

    @Test
    void aSilentlyStalledEventStreamIsRepairedByTheResync() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> h.sim.openEventStreams() > 0);
            h.sim.stallEvents();
            long started = System.nanoTime();
            h.createService("quiet", 1, "com.df.notify=true", "com.df.servicePath=/q", "com.df.port=8080");
            // The resync interval in the harness is 800 ms; the route must arrive within about one interval.
            await().atMost(Duration.ofSeconds(3)).until(() -> hasRoute(h.controller, "quiet"));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
        }
    }

    @Test
    void aServiceCreatedBeforeTheEventStreamIsSubscribedIsListedOnceItIs() throws Exception {
        SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults());
        sim.holdNewEventStreams(Duration.ofMillis(1500));
        // The resync is a minute away, so only a list made when the stream opens can find the service.
        try (ControllerHarness h = new ControllerHarness(sim, Optional.empty(), true, Duration.ofMinutes(1))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> h.controller.store().hasPublished());
            h.createService("early", 1, "com.df.notify=true", "com.df.servicePath=/e", "com.df.port=8080");
            assertThat(sim.openEventStreams()).as("created before the stream was subscribed").isZero();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> sim.openEventStreams() == 1);
            long subscribed = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> hasRoute(h.controller, "early"));
            // The stream watchdog (2 s of silence) would find it too, but only much later.
            assertThat(Duration.ofNanos(System.nanoTime() - subscribed)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void anEndedEventStreamIsReopened() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> h.sim.openEventStreams() == 1);
            h.sim.endEvents();
            await().atMost(Duration.ofSeconds(5)).until(() -> h.sim.openEventStreams() == 1);
        }
    }

    @Test
    void anUnavailableDockerApiRemovesNothingAndIsRecoveredFrom() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            h.createService("web", 2, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> hasRoute(h.controller, "web")
                    && h.controller.store().current().endpoints().get(0).endpoints().size() == 2);
            Snapshot before = h.controller.store().current();

            h.sim.failApi(503, 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> h.controller.sources().stream()
                    .anyMatch(s -> s.name().equals("swarm") && !s.healthy()));
            Thread.sleep(1500); // several resyncs and task polls fail meanwhile
            assertThat(h.controller.store().current()).as("nothing removed while the API fails").isEqualTo(before);
            assertThat(h.get("/v1/status").at("/sources/0/lastError").asString()).contains("503");

            h.sim.healApi();
            h.createService("later", 1, "com.df.notify=true", "com.df.servicePath=/later", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(15)).until(() -> hasRoute(h.controller, "later"));
            assertThat(hasRoute(h.controller, "web")).isTrue();
            assertThat(h.controller.sources().get(0).healthy()).isTrue();
        }
    }

    @Test
    void nothingIsPublishedBeforeTheFirstSuccessfulList() throws Exception {
        SwarmSim sim = SwarmSim.start(SwarmSim.Options.defaults());
        sim.failApi(503, 0);
        try (ControllerHarness h = new ControllerHarness(sim, Optional.empty(), true)) {
            Thread.sleep(1500);
            assertThat(h.controller.store().hasPublished()).isFalse();
            assertThat(h.request("GET", "/readyz").statusCode()).isEqualTo(503);
            assertThat(h.pull("r1", null, "wait=200ms").statusCode()).as("parked, then not modified").isEqualTo(304);
            sim.healApi();
            await().atMost(Duration.ofSeconds(15)).until(() -> h.controller.store().hasPublished());
            assertThat(h.request("GET", "/readyz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anUnreachableDockerApiIsRetriedWithBackoffNotInALoop() throws Exception {
        int deadPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            deadPort = probe.getLocalPort(); // closed again at once: nothing listens there
        }
        try (Controller c = Controller.start(ControllerHarness.config("tcp://127.0.0.1:" + deadPort, Optional.empty()),
                java.time.Clock.systemUTC())) {
            Thread.sleep(3000);
            // 200 ms doubling with jitter: a handful of attempts in 3 s; a reopen loop would make thousands
            assertThat(c.eventStreamOpens()).isBetween(2, 10);
            assertThat(c.store().hasPublished()).isFalse();
        }
    }

    @Test
    void twoControllersOnTheSameSwarmPublishTheSameVersion() throws Exception {
        try (ControllerHarness h = new ControllerHarness(Optional.empty())) {
            h.createService("a", 2, "com.df.notify=true", "com.df.servicePath=/a", "com.df.port=8080");
            h.createService("b", 1, "com.df.notify=true", "com.df.serviceDomain=b.example.com", "com.df.port=8080");
            try (Controller second = Controller.start(ControllerHarness.config(h.dockerHost, Optional.empty()),
                    java.time.Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    Snapshot one = h.controller.store().current();
                    return one.routes().size() == 2 && one.endpoints().stream().mapToInt(e -> e.endpoints().size()).sum() == 3
                            && one.version().equals(second.store().current().version());
                });
            }
        }
    }
}
