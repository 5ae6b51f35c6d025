package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stopping a replica: requests in flight finish, idle connections close, nothing new is taken. */
class DrainTest {

    HttpServer backend;
    DataplaneServer server;

    void start(Duration drainTimeout) throws Exception {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        backend.createContext("/", exchange -> {
            long delay = Long.parseLong(exchange.getRequestURI().getPath().substring(1));
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = ("waited " + delay).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(20), drainTimeout));
        server.start();
        server.apply(TestReplicas.route("any", "/", backend.getAddress().getPort()), "test");
    }

    @AfterEach
    void stop() {
        server.close();
        backend.stop(0);
    }

    CompletableFuture<HttpResponse<String>> request(long delayMillis) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.trafficAddress().getPort() + "/"
                        + delayMillis)).build(), HttpResponse.BodyHandlers.ofString());
    }

    String readyz() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.adminAddress().getPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void requestsInFlightFinishIdleConnectionsCloseAndNothingNewIsTaken() throws Exception {
        start(Duration.ofSeconds(5));
        int port = server.trafficAddress().getPort();
        try (Socket idle = new Socket("127.0.0.1", port)) {
            idle.getOutputStream().write("GET /0 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(UpgradeAndTimeoutsTest.readResponse(idle.getInputStream())).contains("waited 0");
            CompletableFuture<HttpResponse<String>> inFlight = request(1000);
            Thread.sleep(300);

            long start = System.nanoTime();
            CompletableFuture<Void> drained = CompletableFuture.runAsync(server::drain);
            Thread.sleep(100);
            assertThat(readyz()).contains("\"ready\":false", "\"draining\":true");
            idle.setSoTimeout(2000);
            assertThat(idle.getInputStream().read()).as("an idle keep-alive connection is closed").isEqualTo(-1);
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);

            HttpResponse<String> response = inFlight.get(5, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("waited 1000");
            assertThat(response.headers().firstValue("connection")).contains("close");
            drained.get(5, TimeUnit.SECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).as("the drain waited for the request, not for its timeout").isBetween(500L, 3000L);
        }
    }

    @Test
    void theDrainTimeoutBoundsTheWait() throws Exception {
        start(Duration.ofMillis(500));
        CompletableFuture<HttpResponse<String>> tooSlow = request(10_000);
        Thread.sleep(300);
        long start = System.nanoTime();
        server.drain();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(400L, 3000L);
        server.drain(); // stopping again (a shutdown hook after an explicit close) changes nothing and does not throw
        assertThatThrownBy(() -> tooSlow.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(java.io.IOException.class);
    }
}
