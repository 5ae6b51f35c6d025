package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.LoadResult;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Problem;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.Snapshot;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Routing sees the normalised path, through a real replica and raw sockets (so nothing normalises on the client's
 * side): a path that climbs out of {@code /public/} with {@code ..}, escaped dots in any case or doubled slashes meets
 * the {@code admin} route's basic auth, never the public backend and never the admin one without credentials; the
 * backend of an ordinary rule receives the normalised path (rewritten after normalising, query untouched), a
 * {@code rawPath} rule's backend the path exactly as sent; an encoded slash, or a path above the root, is a 400 that
 * reaches no backend. The backends are plain sockets that record every request line they get, so a request that a
 * stricter HTTP server would have refused itself still counts as having reached it.
 */
class PathNormalizationTest {

    private static final String ADMIN_AUTH = "Basic "
            + Base64.getEncoder().encodeToString("admin:a-pw".getBytes(StandardCharsets.UTF_8));

    private static RecordingBackend backendA;
    private static RecordingBackend backendB;
    private static RecordingBackend backendC;
    private static Queue<String> reachedA;
    private static Queue<String> reachedB;
    private static Queue<String> reachedC;
    private static DataplaneServer server;

    @BeforeAll
    static void start() throws Exception {
        backendA = new RecordingBackend("A");
        backendB = new RecordingBackend("B");
        backendC = new RecordingBackend("C");
        reachedA = backendA.targets;
        reachedB = backendB.targets;
        reachedC = backendC.targets;
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)));
        server.start();
        server.apply(routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: public }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules:
                    - { paths: [/public/] }
                    - { paths: [/old/], rewrite: [{ search: "^/old/", replace: "/new/" }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: admin }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/admin/], auth: { users: [{ name: admin, password: a-pw }] } }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: raw }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/raw/], rawPath: true }]
                """.formatted(backendA.port(), backendB.port(), backendC.port())), "test");
    }

    /** The routes of {@code yaml}, every one of them: a route the schema refuses fails the test here, saying why. */
    private static Snapshot routes(String yaml) {
        LoadResult loaded = RouteLoader.parse("routes.yaml", yaml);
        assertThat(loaded.problems()).as("the test's routes are valid").extracting(Problem::format).isEmpty();
        return Snapshot.of(loaded.routes().stream().map(LoadedRoute::route).toList(), List.of());
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        backendA.close();
        backendB.close();
        backendC.close();
    }

    @BeforeEach
    void forget() {
        reachedA.clear();
        reachedB.clear();
        reachedC.clear();
    }

    /** The whole response to a GET of {@code target}, sent byte for byte as written here. */
    private static String get(String target, String authorization) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort())) {
            socket.setSoTimeout(5000);
            String request = "GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "/public/../admin/x", "/public/%2e%2e/admin/x", "/public/%2E%2e/admin/x", "/public//..//admin/x",
        "/public/.%2E/admin/x", "/raw/../admin/x",
    })
    void aPathClimbingOutOfAnOpenRuleMeetsTheAuthOfTheRuleItReaches(String target) throws IOException {
        String response = get(target, null);
        assertThat(response).startsWith("HTTP/1.1 401").containsIgnoringCase("www-authenticate: Basic realm=\"admin\"");
        assertThat(reachedA).as("the open route's backend").isEmpty();
        assertThat(reachedB).as("the guarded backend, without credentials").isEmpty();
        assertThat(reachedC).isEmpty();
    }

    @Test
    void withCredentialsTheGuardedBackendReceivesTheNormalisedPath() throws IOException {
        String response = get("/public/%2e%2E/admin/x", ADMIN_AUTH);
        assertThat(response).startsWith("HTTP/1.1 200");
        assertThat(body(response)).isEqualTo("B /admin/x");
        assertThat(reachedA).isEmpty();
    }

    @Test
    void anOrdinaryRulesBackendReceivesTheNormalisedPath() throws IOException {
        assertThat(body(get("/public/./a//b", null))).isEqualTo("A /public/a/b");
        assertThat(body(get("//public/%7Euser/%2e/x", null))).isEqualTo("A /public/~user/x");
        assertThat(reachedA).containsExactly("/public/a/b", "/public/~user/x");
    }

    @Test
    void theQueryStringIsKeptAsSent() throws IOException {
        assertThat(body(get("/public/./a?x=%2e%2E&y=/../z//&z=%2f", null)))
                .isEqualTo("A /public/a?x=%2e%2E&y=/../z//&z=%2f");
        assertThat(body(get("/raw/./a?x=%2e", null))).isEqualTo("C /raw/./a?x=%2e");
    }

    @Test
    void anAbsoluteFormTargetIsRoutedAndForwardedInOriginForm() throws IOException {
        assertThat(body(get("http://walk.example/public/./a?q=1", null))).isEqualTo("A /public/a?q=1");
        assertThat(get("HTTP://walk.example/public/../admin/x", null)).startsWith("HTTP/1.1 401 ");
    }

    @Test
    void aRewriteAppliesToTheNormalisedPath() throws IOException {
        // on the raw paths the rewrite would miss the first ("^/old/") and keep the dot segments of the second
        assertThat(body(get("//old/b", null))).isEqualTo("A /new/b");
        assertThat(body(get("/old/./a/%2e%2e/b", null))).isEqualTo("A /new/b");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/public/a\\b", "/public/a%2Fb", "/public/a%2fb", "/public/a%5Cb",
        "/public/a%2F..%2F..%2Fadmin/x"})
    void anEncodedSlashIsRefusedOnAnOrdinaryRule(String target) throws IOException {
        assertThat(get(target, ADMIN_AUTH)).startsWith("HTTP/1.1 400");
        assertNobodyReached();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/public/..;/admin/x", "/public/%2e%2e;jsessionid=1/admin/x", "/../etc/passwd",
        "/public/../../etc/passwd", "/%2e%2e/admin/x", "/public/%zz", "/a%00"})
    void aPathThatCannotBeNormalisedIsRefused(String target) throws IOException {
        assertThat(get(target, ADMIN_AUTH)).startsWith("HTTP/1.1 400");
        assertNobodyReached();
    }

    @Test
    void aRawPathRulesBackendReceivesThePathExactlyAsSent() throws IOException {
        assertThat(body(get("/raw/a%2Fb/../c", null))).isEqualTo("C /raw/a%2Fb/../c");
        assertThat(body(get("/raw//x/%2e/%7e%2f", null))).isEqualTo("C /raw//x/%2e/%7e%2f");
        assertThat(reachedC).containsExactly("/raw/a%2Fb/../c", "/raw//x/%2e/%7e%2f");
        assertThat(reachedA).isEmpty();
    }

    private static void assertNobodyReached() {
        assertThat(reachedA).isEmpty();
        assertThat(reachedB).isEmpty();
        assertThat(reachedC).isEmpty();
    }

    /**
     * A backend on a loopback port the system picks that records the target of every request line it receives, as
     * received, and answers it with {@code name target}; on keep-alive connections, one thread each. The requests
     * here have no body.
     */
    private static final class RecordingBackend implements Closeable {

        final Queue<String> targets = new ConcurrentLinkedQueue<>();
        private final String name;
        private final ServerSocket listener;
        private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

        RecordingBackend(String name) throws IOException {
            this.name = name;
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "backend-" + name);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket connection = listener.accept();
                    connections.add(connection);
                    Thread serving = new Thread(() -> serve(connection), "backend-" + name + "-connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection) {
                BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                        StandardCharsets.ISO_8859_1));
                OutputStream out = connection.getOutputStream();
                for (String requestLine; (requestLine = in.readLine()) != null; ) {
                    String header;
                    do {
                        header = in.readLine(); // skipped: the headers are not what this test looks at
                    } while (header != null && !header.isEmpty());
                    String[] parts = requestLine.split(" ", 3);
                    String target = parts.length == 3 ? parts[1] : requestLine;
                    targets.add(target);
                    byte[] body = (name + " " + target).getBytes(StandardCharsets.ISO_8859_1);
                    out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                }
            } catch (IOException closed) {
                // the proxy closed the connection, or the test is over
            } finally {
                connections.remove(connection);
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket connection : connections) {
                connection.close();
            }
        }
    }
}
