package dev.ballast.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.observability.telemetry.Telemetry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} is 503 until a snapshot is in force; {@code /healthz} and {@code /readyz} turn 503 while a traffic
 * event loop runs nothing (a blocked handler), naming the loop, and come back when it runs again.
 */
class ProbesTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private DataplaneServer server;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)),
                Telemetry.fromEnvironment("ballast-dataplane"), Duration.ofMillis(400));
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(server, path);
    }

    private HttpResponse<String> get(DataplaneServer on, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyOnlyOnceASnapshotIsInForce() throws Exception {
        HttpResponse<String> before = get("/readyz");
        assertThat(before.statusCode()).isEqualTo(503);
        assertThat(before.body()).contains("\"ready\":false");
        assertThat(get("/healthz").statusCode()).isEqualTo(200); // alive, only not ready

        server.apply(TestReplicas.route("web", "/", 9), "test");
        HttpResponse<String> after = get("/readyz");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).contains("\"ready\":true", "\"source\":\"test\"");
    }

    @Test
    void aBlockedTrafficLoopMakesTheProbesFailNamingIt() throws Exception {
        server.apply(TestReplicas.route("web", "/", 9), "test");
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/healthz").statusCode() == 200);
        assertThat(get("/healthz").body()).contains("\"status\":\"ok\"", "\"loop\":0,");

        Iterator<?> loops = server.trafficLoops().iterator();
        ((java.util.concurrent.Executor) loops.next()).execute(() -> { // as a handler that waits on something would
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/healthz").statusCode() == 503);
        HttpResponse<String> health = get("/healthz");
        assertThat(health.body()).contains("\"status\":\"stalled\"", "event loop 0 has run no task for",
                "limit 400 ms");
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"ready\":false", "\"eventLoopsStalled\":true");

        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/healthz").statusCode() == 200);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void theProbeListsAsManyTrafficLoopsAsThreadsSays() throws Exception {
        try (DataplaneServer three = new DataplaneServer(TestReplicas.withThreads(TestReplicas.config(
                Duration.ofSeconds(5)), 3), Telemetry.fromEnvironment("ballast-dataplane"), Duration.ofMillis(400))) {
            three.start();
            String body = get(three, "/healthz").body();
            assertThat(body).contains("\"loop\":0,", "\"loop\":1,", "\"loop\":2,").doesNotContain("\"loop\":3,");
        }
    }
}
