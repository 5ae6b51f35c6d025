package dev.ballast.dataplane.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.Replica;
import dev.ballast.dataplane.TestReplicas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone replica ({@code --routes DIR}) with a bad file serves the others and says which file is bad and where;
 * files changed while it runs are read again within seconds; a file that turns bad keeps its last good routes.
 */
class RouteFilesTest {

    private static final Duration SOON = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private HttpServer backend;
    private Replica replica;

    @BeforeEach
    void backend() throws Exception {
        backend = TestReplicas.backend(exchange -> {
            byte[] body = ("saw " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
    }

    @AfterEach
    void stop() {
        if (replica != null) {
            replica.close();
        }
        backend.stop(0);
    }

    private String route(String name, String path) {
        return """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata:
                  name: %s
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules:
                    - paths: [%s]
                """.formatted(name, backend.getAddress().getPort(), path);
    }

    /** A route whose path does not start with a slash: line 8, {@code spec.rules[0].paths[0]}. */
    private static String broken(String name) {
        return """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata:
                  name: %s
                spec:
                  endpoints: [{ address: "127.0.0.1:9" }]
                  rules:
                    - paths: [nope]
                """.formatted(name);
    }

    private void start() throws InterruptedException {
        replica = Replica.start(TestReplicas.withRoutes(TestReplicas.config(Duration.ofSeconds(5)), dir));
    }

    private HttpResponse<String> traffic(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + replica.server().trafficAddress().getPort() + path)).timeout(SOON).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + replica.server().adminAddress().getPort() + path)).timeout(SOON).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Writes a file so that the next poll sees it changed, even on a file system with coarse modification times. */
    private static void write(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()
                + (long) (Math.random() * 1_000_000)));
    }

    @Test
    void aBadFileIsReportedAndTheOthersServedThenFixedThenBrokenAgain() throws Exception {
        Path good = dir.resolve("good.yaml");
        Path bad = dir.resolve("bad.yaml");
        write(good, route("good", "/good/"));
        write(bad, broken("later"));
        start();

        assertThat(traffic("/good/x").body()).isEqualTo("saw /good/x");
        assertThat(traffic("/later/x").statusCode()).isEqualTo(404);
        String problem = bad + ":8: spec.rules[0].paths[0]: ";
        assertThat(replica.firstScan()).hasValueSatisfying(scan -> {
            assertThat(scan.routes()).isEqualTo(1);
            assertThat(scan.problems()).singleElement().asString().startsWith(problem);
        });
        HttpResponse<String> ready = admin("/readyz");
        assertThat(ready.statusCode()).as("ready: the valid files are served").isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\":true", "\"source\":\"files " + dir + "\"",
                "\"problems\":[\"" + problem);
        assertThat(admin("/v1/docker-flow-proxy/config").body()).contains("\"problems\":[\"" + problem);

        // fixed: its route appears, the problem goes
        write(bad, route("later", "/later/"));
        await().atMost(SOON).pollInterval(Duration.ofMillis(50)).until(() -> traffic("/later/y").statusCode() == 200);
        assertThat(admin("/readyz").body()).doesNotContain("problems");

        // a good file turns bad: its last good route stays in force, the problem is reported
        write(good, broken("good"));
        await().atMost(SOON).pollInterval(Duration.ofMillis(50)).until(() -> admin("/readyz").body()
                .contains(good + ":8: spec.rules[0].paths[0]: "));
        assertThat(traffic("/good/z").body()).as("the last good routes of a broken file stay").isEqualTo("saw /good/z");
        assertThat(traffic("/later/z").statusCode()).isEqualTo(200);
        assertThat(admin("/readyz").statusCode()).isEqualTo(200);

        // removed: its routes leave with it
        Files.delete(good);
        await().atMost(SOON).pollInterval(Duration.ofMillis(50)).until(() -> traffic("/good/z").statusCode() == 404);
        assertThat(admin("/readyz").body()).doesNotContain("problems");
        assertThat(traffic("/later/z").statusCode()).isEqualTo(200);
    }

    @Test
    void withEveryFileBadTheReplicaWaitsNotReadyAndBecomesReadyWhenOneIsFixed() throws Exception {
        Path only = dir.resolve("only.yaml");
        write(only, broken("only"));
        start();
        HttpResponse<String> ready = admin("/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"ready\":false", "\"problems\":[\"" + only + ":8: ");

        write(only, route("only", "/"));
        await().atMost(SOON).pollInterval(Duration.ofMillis(50)).until(() -> admin("/readyz").statusCode() == 200);
        assertThat(traffic("/anything").body()).isEqualTo("saw /anything");
    }

    @Test
    void aRouteNameDefinedInTwoFilesIsServedFromTheFirstAndReportedInTheOther() throws Exception {
        write(dir.resolve("a.yaml"), route("web", "/a/"));
        write(dir.resolve("b.yaml"), route("web", "/b/") + "---\n" + route("other", "/other/"));
        start();
        assertThat(traffic("/a/1").statusCode()).isEqualTo(200);
        assertThat(traffic("/b/1").statusCode()).isEqualTo(404);
        assertThat(traffic("/other/1").statusCode()).as("the file's other routes are served").isEqualTo(200);
        assertThat(admin("/readyz").body()).contains(dir.resolve("b.yaml") + ":4: metadata.name: duplicate route name"
                + " \\\"web\\\"");
    }

    @Test
    void aRoutesPathThatDoesNotExistRefusesTheStart() {
        assertThatThrownBy(() -> Replica.start(TestReplicas.withRoutes(TestReplicas.config(Duration.ofSeconds(5)),
                dir.resolve("missing")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(dir.resolve("missing") + ": no such file or directory");
    }
}
