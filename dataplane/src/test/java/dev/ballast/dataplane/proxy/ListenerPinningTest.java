package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two HTTP listeners: a rule's srcPort pins it to the listener of that port; a rule without one serves both. */
class ListenerPinningTest {

    private final List<HttpServer> backends = new ArrayList<>();
    private DataplaneServer server;

    @AfterEach
    void stop() {
        backends.forEach(b -> b.stop(0));
        if (server != null) {
            server.close();
        }
    }

    private int backend(String name) throws Exception {
        HttpServer backend = TestReplicas.backend(exchange -> {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backends.add(backend);
        return backend.getAddress().getPort();
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    @Test
    void aRulesSrcPortPinsItToTheListenerOfThatPort() throws Exception {
        server = new DataplaneServer(TestReplicas.withListeners(TestReplicas.config(Duration.ofSeconds(20)), 1));
        server.start();
        int first = server.trafficAddresses().get(0).getPort();
        int second = server.trafficAddresses().get(1).getPort();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: site }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/] }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: admin }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/admin], srcPort: %d }] }
                """.formatted(backend("site"), backend("admin"), second)), "test");

        assertThat(get(second, "/admin/users")).isEqualTo("200 admin");
        assertThat(get(first, "/admin/users")).as("pinned to the other listener: the catch-all serves it")
                .isEqualTo("200 site");
        assertThat(get(first, "/")).isEqualTo("200 site");
        assertThat(get(second, "/")).isEqualTo("200 site");
        assertThat(server.routeConditions()).as("both ports have listeners").isEmpty();
    }
}
