package dev.ballast.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.observability.telemetry.Telemetry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker Flow's push API on a replica's admin listener goes to the first {@code --controller} that answers, as
 * received, and that controller's answer comes back; the admin event loop keeps answering meanwhile.
 */
class PushForwardingTest {

    /** What the fake controller saw of one request. */
    record Seen(String method, String uri, String contentType, String body) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer controller;
    private URI down;
    private DataplaneServer server;

    @BeforeEach
    void start() throws Exception {
        controller = TestReplicas.backend(exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            if (exchange.getRequestURI().getQuery() != null && exchange.getRequestURI().getQuery().contains("slow")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] answer = "{\"Status\":\"NOK\",\"Message\":\"from the controller\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(409, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        try (ServerSocket nothing = new ServerSocket(0)) {
            down = URI.create("http://127.0.0.1:" + nothing.getLocalPort()); // closed again: connections refused
        }
        server = start(List.of(down, url(controller)));
    }

    private static DataplaneServer start(List<URI> controllers) throws InterruptedException {
        DataplaneServer s = new DataplaneServer(TestReplicas.withControllers(TestReplicas.config(
                Duration.ofSeconds(5)), controllers), Telemetry.fromEnvironment("ballast-dataplane"));
        s.start();
        return s;
    }

    private static URI url(HttpServer s) {
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
        controller.stop(0);
    }

    private HttpResponse<String> admin(DataplaneServer on, HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder to(DataplaneServer on, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.adminAddress().getPort() + pathAndQuery));
    }

    @Test
    void methodQueryAndBodyGoAsReceivedAndTheControllersAnswerComesBack() throws Exception {
        HttpResponse<String> answer = admin(server, to(server, "/v1/docker-flow-proxy/reconfigure?serviceName=shop"
                + "&port=8080&servicePath=%2Fshop").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("distribute=true&replicas=2")));
        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(answer.body()).isEqualTo("{\"Status\":\"NOK\",\"Message\":\"from the controller\"}");
        assertThat(answer.headers().firstValue("Content-Type")).contains("application/json; charset=utf-8");
        assertThat(answer.headers().firstValue("Ballast-Controller")).as("the first one refused; the second answered")
                .contains(url(controller).toString());
        assertThat(seen).containsExactly(new Seen("POST", "/v1/docker-flow-proxy/reconfigure?serviceName=shop"
                + "&port=8080&servicePath=%2Fshop", "application/x-www-form-urlencoded", "distribute=true&replicas=2"));

        seen.clear();
        HttpResponse<String> removed = admin(server, to(server, "/v1/docker-flow-proxy/remove?serviceName=shop"
                + "&distribute=true"));
        assertThat(removed.statusCode()).isEqualTo(409);
        assertThat(seen).containsExactly(new Seen("GET", "/v1/docker-flow-proxy/remove?serviceName=shop"
                + "&distribute=true", null, ""));
    }

    @Test
    void whenNoControllerAnswersTheAnswerIs502NamingEach() throws Exception {
        controller.stop(0);
        HttpResponse<String> answer = admin(server, to(server, "/v1/docker-flow-proxy/reconfigure?serviceName=x"));
        assertThat(answer.statusCode()).isEqualTo(502);
        assertThat(answer.body()).contains("\"Status\":\"NOK\"", "no controller answered: " + down + ": cannot connect",
                url(controller) + ": cannot connect");
    }

    @Test
    void theAdminLoopAnswersWhileAForwardWaitsAndAnswersLeaveInOrder() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.adminAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // two requests in one write: the second waits for the first's answer, which waits for the controller
            out.write(("GET /v1/docker-flow-proxy/reconfigure?serviceName=slow HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /v1/docker-flow-proxy/ping HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            // meanwhile, on another connection, the admin listener answers at once
            HttpResponse<String> health = admin(server, to(server, "/healthz"));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            release.countDown();
            String both = readUntil(socket.getInputStream(), "\"Status\":\"OK\"");
            assertThat(both.indexOf("409")).as(both).isGreaterThanOrEqualTo(0)
                    .isLessThan(both.indexOf("\"Status\":\"OK\""));
        }
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!read.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            read.write(buffer, 0, n);
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aReplicaServingRouteFilesSaysItHasNoControllerToForwardTo(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("web.yaml"), """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: web }
                spec: { endpoints: [{ address: "127.0.0.1:9" }], rules: [{ paths: [/] }] }
                """);
        try (Replica standalone = Replica.start(TestReplicas.withRoutes(TestReplicas.config(Duration.ofSeconds(5)),
                dir))) {
            HttpResponse<String> answer = admin(standalone.server(), to(standalone.server(),
                    "/v1/docker-flow-proxy/reconfigure?serviceName=shop&servicePath=/shop&port=80"));
            assertThat(answer.statusCode()).isEqualTo(501);
            assertThat(answer.body()).contains("\"Status\":\"NOK\"", "this replica serves route files (files " + dir
                    + ") and has no controller to forward /v1/docker-flow-proxy/reconfigure to");
            assertThat(admin(standalone.server(), to(standalone.server(), "/v1/docker-flow-proxy/ping")).body())
                    .isEqualTo("{\"Status\":\"OK\"}");
        }
    }

    @Test
    void aControllerThatDoesNotAnswerInTimeIsSkipped() throws Exception {
        HttpServer silent = TestReplicas.backend(exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        try {
            ControllerForwarder forwarder = new ControllerForwarder(List.of(url(silent), url(controller)),
                    Duration.ofMillis(300), java.util.Optional.empty());
            ControllerForwarder.Answer answer = forwarder.forward("GET", "/v1/docker-flow-proxy/remove?serviceName=a",
                    null, new byte[0]).get(5, TimeUnit.SECONDS);
            assertThat(answer.status()).isEqualTo(409);
            assertThat(answer.controller()).isEqualTo(url(controller));

            ControllerForwarder alone = new ControllerForwarder(List.of(url(silent)), Duration.ofMillis(300),
                    java.util.Optional.empty());
            ControllerForwarder.Answer none = alone.forward("GET", "/v1/docker-flow-proxy/remove?serviceName=a", null,
                    new byte[0]).get(5, TimeUnit.SECONDS);
            assertThat(none.status()).isEqualTo(502);
            assertThat(new String(none.body(), StandardCharsets.UTF_8)).contains(url(silent)
                    + ": no answer within 300 ms");
        } finally {
            release.countDown();
            silent.stop(0);
        }
    }
}
