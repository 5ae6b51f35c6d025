package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Active health checks against real backends whose health endpoint the test turns on and off. */
class HealthCheckTest {

    /** A backend answering its name, and {@code /health} with the status the test sets. */
    static final class Backend {
        final String name;
        final HttpServer server;
        volatile int healthStatus = 200;
        final AtomicInteger checks = new AtomicInteger();

        Backend(String name) throws IOException {
            this.name = name;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/health", exchange -> {
                checks.incrementAndGet();
                exchange.sendResponseHeaders(healthStatus, -1);
                exchange.close();
            });
            server.createContext("/", exchange -> {
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }
    }

    Backend a;
    Backend b;
    DataplaneServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        a = new Backend("a");
        b = new Backend("b");
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5), Duration.ofSeconds(5)));
        server.start();
        apply("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: checked }
                spec:
                  endpoints: [{ address: "%s" }, { address: "%s" }]
                  loadBalancing: { policy: RoundRobin }
                  healthCheck: { path: /health, interval: 50ms, timeout: 500ms, unhealthyThreshold: 2, healthyThreshold: 1 }
                  rules: [{ paths: [/] }]
                """.formatted(a.address(), b.address()));
    }

    void apply(String routes) {
        server.apply(TestReplicas.routes(routes), "test");
    }

    @AfterEach
    void stop() {
        server.close();
        a.server.stop(0);
        b.server.stop(0);
    }

    HttpResponse<String> get() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.trafficAddress().getPort() + "/x"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Which backends answer 20 requests in a row; waits (up to 3 s) until that is exactly {@code expected}. */
    Set<String> awaitAnswering(Set<String> expected) throws Exception {
        Set<String> seen = Set.of();
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Set<String> round = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> response = get();
                round.add(response.statusCode() == 200 ? response.body() : String.valueOf(response.statusCode()));
            }
            seen = round;
            if (!seen.equals(expected)) {
                Thread.sleep(50);
            }
        }
        return seen;
    }

    @Test
    void anEndpointFailingItsCheckGetsNoTrafficUntilItPassesAgain() throws Exception {
        assertThat(awaitAnswering(Set.of("a", "b"))).containsExactlyInAnyOrder("a", "b");
        assertThat(a.checks.get()).isPositive();

        a.healthStatus = 500;
        assertThat(awaitAnswering(Set.of("b"))).containsExactly("b");

        b.healthStatus = 503; // every endpoint fails: nothing to send to
        assertThat(awaitAnswering(Set.of("503"))).containsExactly("503");
        assertThat(get().body()).isEqualTo("route checked: no healthy endpoint (every one fails its health check)\n");

        a.healthStatus = 204; // any 2xx or 3xx passes
        assertThat(awaitAnswering(Set.of("a"))).containsExactly("a");
    }

    @Test
    void aRouteWithoutTheCheckStopsProbing() throws Exception {
        awaitAnswering(Set.of("a", "b"));
        apply("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: checked }
                spec: { endpoints: [{ address: "%s" }], rules: [{ paths: [/] }] }
                """.formatted(a.address()));
        Thread.sleep(200); // a check already under way may still land
        int settled = a.checks.get() + b.checks.get();
        Thread.sleep(500);
        assertThat(a.checks.get() + b.checks.get()).isEqualTo(settled);
        a.healthStatus = 500; // and it no longer matters
        assertThat(awaitAnswering(Set.of("a"))).containsExactly("a");
    }
}
