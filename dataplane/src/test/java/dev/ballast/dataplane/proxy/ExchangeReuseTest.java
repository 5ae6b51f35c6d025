package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client connection reuses one exchange from request to request: what one request's attempts leave behind (the
 * upstreams it tried, the one it ended on) must not shape the next request's.
 */
class ExchangeReuseTest {

    HttpServer backend;
    DataplaneServer server;

    @BeforeEach
    void start() throws Exception {
        backend = TestReplicas.backend(exchange -> {
            byte[] body = "served".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        int deadPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            deadPort = probe.getLocalPort();
        }
        // Round robin over a refusing endpoint and a live one: every other first attempt is refused and retried.
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)));
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: half }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" }]
                  loadBalancing: { policy: RoundRobin }
                  retries: { attempts: 1 }
                  rules: [{ paths: [/half/] }]
                """.formatted(deadPort, backend.getAddress().getPort())), "test");
    }

    @AfterEach
    void stop() {
        server.close();
        backend.stop(0);
    }

    @Test
    void eachRequestOnAConnectionStartsItsAttemptsAfresh() throws IOException {
        int requests = 8;
        StringBuilder pipelined = new StringBuilder();
        for (int i = 0; i < requests; i++) {
            pipelined.append("GET /half/").append(i).append(" HTTP/1.1\r\nHost: a\r\n")
                    .append(i == requests - 1 ? "Connection: close\r\n" : "").append("\r\n");
        }
        String replies;
        try (Socket socket = new Socket("127.0.0.1", server.trafficAddress().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(pipelined.toString().getBytes(StandardCharsets.US_ASCII));
            replies = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        Matcher status = Pattern.compile("HTTP/1\\.1 (\\d{3})").matcher(replies);
        int served = 0;
        while (status.find()) {
            assertThat(status.group(1)).as("every request, in order, in: %s", replies).isEqualTo("200");
            served++;
        }
        assertThat(served).isEqualTo(requests);
    }
}
