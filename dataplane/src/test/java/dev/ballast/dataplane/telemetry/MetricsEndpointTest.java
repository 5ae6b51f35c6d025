package dev.ballast.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.testing.PrometheusText;
import dev.ballast.observability.testing.PrometheusText.Sample;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /metrics} on the admin listener, scraped and parsed as Prometheus text after real traffic. */
class MetricsEndpointTest {

    HttpServer backend;
    DataplaneServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        backend = TestReplicas.backend(exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5), Duration.ofSeconds(1)));
        server.start();
        server.apply(TestReplicas.route("app", "/app/", backend.getAddress().getPort()), "test");
    }

    @AfterEach
    void stop() {
        server.close();
        backend.stop(0);
    }

    int get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.trafficAddress().getPort()
                + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void requestsAreCountedByRouteMethodAndStatusAndGaugesShowTheSnapshotAndEndpoints() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(get("/app/" + i)).isEqualTo(200);
        }
        assertThat(get("/nowhere")).isEqualTo(404);
        assertThat(get("/nowhere/else")).isEqualTo(404);

        HttpResponse<String> scraped = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.adminAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        List<Sample> samples = PrometheusText.parse(scraped.body());

        assertThat(count(samples, "200")).as("200s of route app").isEqualTo(3);
        assertThat(samples).filteredOn(s -> s.name().equals("http_server_request_duration_seconds_count")
                && "200".equals(s.labels().get("http_response_status_code")))
                .singleElement().satisfies(s -> {
                    assertThat(s.labels()).containsEntry("http_route", "app").containsEntry("http_request_method", "GET");
                });
        assertThat(count(samples, "404")).as("404s, apart from the 200s").isEqualTo(2);
        assertThat(samples).filteredOn(s -> s.name().equals("http_server_request_duration_seconds_count")
                && "404".equals(s.labels().get("http_response_status_code")))
                .singleElement().satisfies(s -> assertThat(s.labels()).doesNotContainKey("http_route"));

        String version = server.snapshot().version();
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("ballast_snapshot_routes");
            assertThat(s.labels()).containsEntry("version", version);
            assertThat(s.value()).isEqualTo(1);
        });
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("ballast_upstream_in_flight");
            assertThat(s.labels()).containsEntry("server_address", "127.0.0.1:" + backend.getAddress().getPort());
        });
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).isEqualTo("ballast_client_connections"));
        // each traffic event loop's lag, as the watchdog behind /healthz sees it: loops that run are well under 1 s
        assertThat(samples).filteredOn(s -> s.name().equals("ballast_event_loop_lag_seconds")).isNotEmpty()
                .allSatisfy(s -> {
                    assertThat(s.labels()).containsKey("loop");
                    assertThat(s.value()).isBetween(0.0, 1.0);
                })
                .anySatisfy(s -> assertThat(s.labels()).containsEntry("loop", "0"));
    }

    private static double count(List<Sample> samples, String status) {
        return PrometheusText.sum(samples, "http_server_request_duration_seconds_count",
                Map.of("http_response_status_code", status));
    }
}
