package dev.ballast.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.telemetry.Telemetry;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The configuration a user gives (OTEL_* settings, here as the equivalent system properties) makes the dataplane send
 * spans and metrics over OTLP/HTTP to a receiver started by the test.
 */
class OtlpExportTest {

    /** What the receiver got, by path: the concatenated request bodies. */
    final Map<String, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
    HttpServer receiver;
    HttpServer backend;
    DataplaneServer server;

    @BeforeEach
    void start() throws Exception {
        receiver = TestReplicas.backend(exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            ByteArrayOutputStream all = received.computeIfAbsent(exchange.getRequestURI().getPath(),
                    k -> new ByteArrayOutputStream());
            synchronized (all) {
                all.writeBytes(body);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        backend = TestReplicas.backend(exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort());
        System.setProperty("otel.exporter.otlp.protocol", "http/protobuf");
        System.setProperty("otel.bsp.schedule.delay", "100");
        System.setProperty("otel.metric.export.interval", "300");
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5), Duration.ofSeconds(1)), Telemetry.fromEnvironment("ballast-dataplane"));
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: exported-route }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/app/] }] }
                """.formatted(backend.getAddress().getPort())), "test");
    }

    @AfterEach
    void stop() {
        server.close();
        List.of("otel.exporter.otlp.endpoint", "otel.exporter.otlp.protocol", "otel.bsp.schedule.delay",
                "otel.metric.export.interval").forEach(System::clearProperty);
        backend.stop(0);
        receiver.stop(0);
    }

    String got(String path) {
        ByteArrayOutputStream all = received.get(path);
        if (all == null) {
            return "";
        }
        synchronized (all) {
            return all.toString(StandardCharsets.ISO_8859_1); // protobuf: the strings inside are readable as they are
        }
    }

    @Test
    void spansAndMetricsReachAnOtlpReceiver() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.trafficAddress().getPort()
                + "/app/x")).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(got("/v1/traces")).contains("GET exported-route", "http.route", "ballast-dataplane");
            assertThat(got("/v1/metrics")).contains("http.server.request.duration", "exported-route");
        });
    }
}
