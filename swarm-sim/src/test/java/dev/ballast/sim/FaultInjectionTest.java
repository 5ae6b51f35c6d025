package dev.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults injected from Java and through the {@code /_sim} side door. */
class FaultInjectionTest {

    SwarmSim sim;
    EngineClient api;
    String base;

    @BeforeEach
    void start() throws Exception {
        sim = SwarmSim.start(SwarmSim.Options.defaults());
        base = sim.listen("127.0.0.1:0").replace("tcp://", "http://");
        api = new EngineClient(base);
        sim.createNetwork("proxy", true);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void theApiCanFailACountedNumberOfTimes() throws Exception {
        sim.failApi(503, 2);
        EngineClient.Reply first = api.get("/services");
        assertThat(first.status()).isEqualTo(503);
        assertThat(first.message()).startsWith("This node is not a swarm manager.");
        assertThat(api.get("/info").status()).isEqualTo(503);
        assertThat(api.get("/services").status()).isEqualTo(200);

        assertThat(api.post("/_sim/api/fault?status=500", "").status()).isEqualTo(200);
        assertThat(api.get("/services").status()).isEqualTo(500);
        assertThat(api.get("/_sim").status()).as("the side door is never faulted").isEqualTo(200);
        assertThat(api.delete("/_sim/api/fault").status()).isEqualTo(200);
        assertThat(api.get("/services").status()).isEqualTo(200);
    }

    @Test
    void theApiCanHang() throws Exception {
        assertThat(api.post("/_sim/api/hang", "").status()).isEqualTo(200);
        HttpClient http = HttpClient.newHttpClient();
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/services"))
                .timeout(Duration.ofMillis(300)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        sim.healApi();
        assertThat(api.get("/services").status()).isEqualTo(200);
    }

    @Test
    void tasksCanBeMadeSlowOrFailingAndHealed() throws Exception {
        api.createWhoami("web", 1, "proxy", "");
        await().atMost(Duration.ofSeconds(5)).until(() -> api.runningAddresses("web").size() == 1);
        String address = "http://" + api.runningAddresses("web").get(0) + ":8080/";
        String taskId = api.tasks("web").get(0).get("ID").asString();

        sim.slowTask(taskId, Duration.ofMillis(300));
        long started = System.nanoTime();
        assertThat(EngineClient.fetch(address).status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

        assertThat(api.post("/_sim/tasks/" + taskId.substring(0, 8) + "/fail?status=502", "").status()).isEqualTo(200);
        assertThat(EngineClient.fetch(address).status()).isEqualTo(502);
        assertThat(api.post("/_sim/tasks/" + taskId + "/heal", "").status()).isEqualTo(200);
        assertThat(EngineClient.fetch(address).status()).isEqualTo(200);
        assertThat(api.post("/_sim/tasks/nope/kill", "").status()).isEqualTo(404);
        assertThat(api.post("/_sim/tasks/" + taskId + "/fail?status=abc", "").message())
                .isEqualTo("status: \"abc\" is not an HTTP status (100-599)");
    }

    @Test
    void eventStreamsCanStallSilentlyAndEnd() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicBoolean ended = new AtomicBoolean();
        HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(base + "/events")).build(),
                HttpResponse.BodyHandlers.ofLines()).thenAccept(response -> {
                    try (Stream<String> body = response.body()) {
                        body.forEach(lines::add);
                    }
                    ended.set(true);
                });
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.openEventStreams() == 1);
        api.createWhoami("one", 1, null, "");
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("\"one\"")));

        assertThat(api.post("/_sim/events/stall", "").status()).isEqualTo(200);
        api.createWhoami("two", 1, null, "");
        Thread.sleep(300);
        assertThat(lines).noneMatch(l -> l.contains("\"two\""));
        assertThat(sim.openEventStreams()).as("silent, not closed").isEqualTo(1);

        sim.resumeEvents();
        api.createWhoami("three", 1, null, "");
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("\"three\"")));

        sim.endEvents();
        await().atMost(Duration.ofSeconds(5)).untilTrue(ended);
        assertThat(sim.openEventStreams()).isZero();
    }

    @Test
    void heldEventStreamsSubscribeLateAndMissWhatHappenedMeanwhile() throws Exception {
        assertThat(api.post("/_sim/events/hold?delay=soon", "").status()).as("a bad delay is refused").isEqualTo(400);
        assertThat(api.post("/_sim/events/hold?delay=800ms", "").status()).isEqualTo(200);
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(base + "/events")).build(),
                HttpResponse.BodyHandlers.ofLines()).thenAccept(response -> {
                    try (Stream<String> body = response.body()) {
                        body.forEach(lines::add);
                    }
                });
        Thread.sleep(100);
        api.createWhoami("early", 1, null, "");
        assertThat(sim.openEventStreams()).as("not subscribed yet").isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.openEventStreams() == 1);
        api.createWhoami("late", 1, null, "");
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("\"late\"")));
        assertThat(lines).noneMatch(l -> l.contains("\"early\""));
    }
}
