package dev.ballast.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.TestReplicas;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The configuration a user gives (OTEL_* settings, here as the equivalent system properties) makes the dataplane send
 * spans and metrics over OTLP/HTTP to a receiver started by the test.
 */
class OtlpExportTest {

    final ReceivedExports received = new ReceivedExports();
    HttpServer receiver;
    ExportingReplica replica;

    @BeforeEach
    void start() throws Exception {
        receiver = TestReplicas.backend(exchange -> {
            received.add(exchange.getRequestURI().getPath(), exchange.getRequestBody().readAllBytes());
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        replica = new ExportingReplica("http://127.0.0.1:" + receiver.getAddress().getPort(), "http/protobuf",
                "exported-route");
    }

    @AfterEach
    void stop() {
        replica.close();
        receiver.stop(0);
    }

    @Test
    void spansAndMetricsReachAnOtlpReceiver() throws Exception {
        replica.request();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(received.text("/v1/traces")).contains("GET exported-route", "http.route", "ballast-dataplane");
            assertThat(received.text("/v1/metrics")).contains("http.server.request.duration", "exported-route");
        });
    }
}
