package dev.ballast.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.telemetry.Telemetry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * A standalone replica configured as a user would (OTEL_* settings, here as the equivalent system properties) to
 * export over OTLP to {@code endpoint} with {@code protocol}, quickly (spans every 100 ms, metrics every 300 ms), with
 * one route {@code route} on {@code /app/} to a backend that answers 200. Closing it clears the settings.
 */
final class ExportingReplica implements AutoCloseable {

    private static final List<String> SETTINGS = List.of("otel.exporter.otlp.endpoint", "otel.exporter.otlp.protocol",
            "otel.bsp.schedule.delay", "otel.metric.export.interval");

    private final HttpServer backend;
    private final DataplaneServer server;

    ExportingReplica(String endpoint, String protocol, String route) throws Exception {
        backend = TestReplicas.backend(exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        System.setProperty("otel.exporter.otlp.endpoint", endpoint);
        System.setProperty("otel.exporter.otlp.protocol", protocol);
        System.setProperty("otel.bsp.schedule.delay", "100");
        System.setProperty("otel.metric.export.interval", "300");
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5), Duration.ofSeconds(1)),
                Telemetry.fromEnvironment("ballast-dataplane"));
        server.start();
        server.apply(TestReplicas.route(route, "/app/", backend.getAddress().getPort()), "test");
    }

    /** One proxied request, which must succeed. */
    void request() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.trafficAddress().getPort()
                + "/app/x")).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    @Override
    public void close() {
        server.close();
        SETTINGS.forEach(System::clearProperty);
        backend.stop(0);
    }
}
