package dev.ballast.dataplane.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.ReplicaReport;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The puller's side of the protocol where a real controller would not misbehave: damaged or invalid offers, deltas
 * from another base, a controller answering errors. The other end is a scripted HTTP server that records each pull
 * and answers what the test queued (304 when nothing is queued); the real controller is exercised end to end in
 * {@code dist}.
 */
class SnapshotPullerTest {

    /** A scripted controller: answers queued bodies in turn, records the query of every pull. */
    static final class ScriptedController implements AutoCloseable {
        final HttpServer server;
        final BlockingQueue<byte[]> answers = new LinkedBlockingQueue<>();
        final BlockingQueue<String> pulls = new LinkedBlockingQueue<>();
        /** Each pull's Authorization header ("none" without one). */
        final BlockingQueue<String> authorizations = new LinkedBlockingQueue<>();
        /** Each pull's body: the replica's report. */
        final BlockingQueue<ReplicaReport> reports = new LinkedBlockingQueue<>();
        volatile int status = 200;

        ScriptedController() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/snapshot", exchange -> {
                pulls.add(URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8));
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                authorizations.add(authorization == null ? "none" : authorization);
                reports.add(RouteJson.read(exchange.getRequestBody().readAllBytes(), ReplicaReport.class));
                byte[] body = null;
                try {
                    body = status == 200 ? answers.poll(300, TimeUnit.MILLISECONDS) : "boom".getBytes();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (body == null) {
                    exchange.sendResponseHeaders(304, -1);
                } else {
                    exchange.sendResponseHeaders(status, body.length);
                    exchange.getResponseBody().write(body);
                }
                exchange.close();
            });
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        void offer(SnapshotUpdate update) {
            answers.add(RouteJson.writeBytes(update));
        }

        /** The next pull that matches {@code condition}, waiting for it. */
        String awaitPull(java.util.function.Predicate<String> condition) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                String pull = pulls.poll(100, TimeUnit.MILLISECONDS);
                if (pull != null && condition.test(pull)) {
                    return pull;
                }
            }
            throw new AssertionError("no such pull within 10 s");
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    ScriptedController controller;
    DataplaneServer server;
    SnapshotPuller puller;

    @BeforeEach
    void start() throws Exception {
        controller = new ScriptedController();
        server = new DataplaneServer(new DataplaneConfig(List.of(), Optional.empty(),
                List.of(new HostPort("127.0.0.1", 0)), new HostPort("127.0.0.1", 0), Optional.empty(), "r1", Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), 16384, Duration.ofSeconds(5), false, 2,
                java.nio.file.Path.of("/run/secrets"), Optional.empty(), false, DataplaneConfig.Compression.OFF,
                Optional.empty(), DataplaneConfig.Tls.NONE, List.of(), Optional.empty(), true, Optional.empty(),
                DataplaneConfig.Limits.DEFAULT));
        server.start();
    }

    @AfterEach
    void stop() {
        if (puller != null) {
            puller.close();
        }
        server.close();
        controller.close();
    }

    private void startPuller(URI... controllers) {
        puller = new SnapshotPuller(List.of(controllers), "r1", Duration.ofSeconds(1), server, Optional.empty());
        puller.start();
    }

    @Test
    void everyPullCarriesTheTokenWhenTheReplicaHasOne() throws Exception {
        puller = new SnapshotPuller(List.of(controller.url()), "r1", Duration.ofSeconds(1), server, Optional.empty(),
                Optional.of("t0k3n"));
        puller.start();
        assertThat(controller.authorizations.poll(10, TimeUnit.SECONDS)).isEqualTo("Bearer t0k3n");
        assertThat(controller.authorizations.poll(10, TimeUnit.SECONDS)).isEqualTo("Bearer t0k3n");
    }

    @Test
    void everyPullReportsTheFiguresOfTheEndpointsTheReplicaSendsTo() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        backend.start();
        try {
            String address = "127.0.0.1:" + backend.getAddress().getPort();
            server.apply(TestReplicas.route("app", "/app/", backend.getAddress().getPort()), "test");
            HttpResponse<Void> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.trafficAddress().getPort() + "/app/x")).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(answer.statusCode()).isEqualTo(204);
            startPuller(controller.url());
            ReplicaReport report = controller.reports.poll(10, TimeUnit.SECONDS);
            assertThat(report).isNotNull();
            assertThat(report.endpoints()).singleElement().satisfies(e -> {
                assertThat(e.address()).isEqualTo(address);
                assertThat(e.inFlight()).isZero();
                assertThat(e.latencyMs()).isPositive();
                assertThat(e.ejected()).isFalse();
                assertThat(e.healthy()).isNull(); // the route has no health check
            });
        } finally {
            backend.stop(0);
        }
    }

    @Test
    void everyPullSaysWhichPortsTheReplicaListensOn() throws Exception {
        startPuller(controller.url());
        assertThat(controller.awaitPull(q -> true)).endsWith("&listeners=" + server.trafficAddress().getPort()
                + "&tlsListeners=");
    }

    @Test
    void withoutATokenNoneIsSent() throws Exception {
        startPuller(controller.url());
        assertThat(controller.authorizations.poll(10, TimeUnit.SECONDS)).isEqualTo("none");
    }

    static Route route(String name, String path) {
        return RouteJson.read("{\"apiVersion\":\"ballast.dev/v1alpha1\",\"kind\":\"Route\",\"metadata\":{\"name\":\""
                + name + "\"},\"spec\":{\"endpoints\":[{\"address\":\"127.0.0.1:9\"}],\"rules\":[{\"paths\":[\""
                + path + "\"],\"port\":80}]}}", Route.class);
    }

    /** A puller that was offered a snapshot with one route {@code a} and has said it applied it. */
    private Snapshot pullerWithSnapshotA() throws InterruptedException {
        Snapshot a = Snapshot.of(List.of(route("a", "/a")), List.of());
        controller.offer(SnapshotUpdate.full(a));
        startPuller(controller.url());
        controller.awaitPull(q -> q.contains("version=" + a.version()));
        return a;
    }

    @Test
    void appliesAnOfferAndSaysSoOnTheNextPull() throws Exception {
        Snapshot a = Snapshot.of(List.of(route("a", "/a")), List.of());
        controller.offer(SnapshotUpdate.full(a));
        startPuller(controller.url());
        assertThat(controller.awaitPull(q -> true)).contains("replica=r1", "version=&");
        controller.awaitPull(q -> q.contains("version=" + a.version()));
        assertThat(server.ready()).isTrue();
        assertThat(server.source()).isEqualTo("controller " + controller.url());
    }

    @Test
    void aDamagedOfferIsRejectedReportedOnceAndThePreviousSnapshotStays() throws Exception {
        Snapshot a = pullerWithSnapshotA();

        Snapshot b = Snapshot.of(List.of(route("b", "/b")), List.of());
        // b's version, another content: what a corrupted transfer or a bug would produce
        controller.offer(new SnapshotUpdate(b.version(), null, List.of(route("b", "/c")), List.of(), null, null,
                null, null, null));
        String report = controller.awaitPull(q -> q.contains("rejected="));
        assertThat(report).contains("version=" + a.version(), "rejected=" + b.version(),
                "error=content does not match version " + b.version());
        assertThat(server.snapshot()).isEqualTo(a);
        assertThat(controller.awaitPull(q -> true)).as("reported once").doesNotContain("rejected=");
    }

    @Test
    void anOfferWithAnInvalidRouteIsRejectedNamingTheRouteAndField() throws Exception {
        Snapshot bad = Snapshot.of(List.of(route("oops", "no-slash")), List.of());
        controller.offer(SnapshotUpdate.full(bad));
        startPuller(controller.url());
        String report = controller.awaitPull(q -> q.contains("rejected="));
        assertThat(report).contains("rejected=" + bad.version(), "error=route oops: spec.rules[0].paths[0]");
        assertThat(server.ready()).isFalse();
    }

    @Test
    void aDeltaFromAnotherVersionMakesTheReplicaAskForTheWholeSnapshot() throws Exception {
        Snapshot a = pullerWithSnapshotA();

        Snapshot other = Snapshot.of(List.of(route("x", "/x")), List.of());
        Snapshot next = Snapshot.of(List.of(route("x", "/x"), route("y", "/y")), List.of());
        controller.offer(SnapshotUpdate.delta(other, next));
        assertThat(controller.awaitPull(q -> true)).contains("version=&").doesNotContain("rejected=");
        assertThat(server.snapshot()).isEqualTo(a);
    }

    @Test
    void aControllerThatFailsIsLeftForTheNextOne() throws Exception {
        try (ScriptedController second = new ScriptedController()) {
            controller.status = 500;
            Snapshot a = Snapshot.of(List.of(route("a", "/a")), List.of());
            second.offer(SnapshotUpdate.full(a));
            startPuller(controller.url(), second.url());
            second.awaitPull(q -> q.contains("version=" + a.version()));
            assertThat(server.source()).isEqualTo("controller " + second.url());
        }
    }

    @Test
    void aServerThatAnswersSomethingElseIsTreatedAsFailing() throws Exception {
        controller.answers.add("<html>proxy error</html>".getBytes(StandardCharsets.UTF_8));
        Snapshot a = Snapshot.of(List.of(route("a", "/a")), List.of());
        controller.offer(SnapshotUpdate.full(a));
        startPuller(controller.url());
        await().atMost(Duration.ofSeconds(10)).until(server::ready);
        assertThat(server.snapshot()).isEqualTo(a);
    }
}
