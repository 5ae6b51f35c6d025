package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy with real backends and clients on loopback. */
class ProxyTest {

    static final List<HttpServer> backends = new ArrayList<>();
    static DataplaneServer server;
    static String base;
    static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static int deadPort;

    /** A backend that answers with its name, the path it got, some headers and the body length it read. */
    static HttpServer backend(String name, long delayMillis) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String reply = name + "\npath=" + exchange.getRequestURI() + "\nxff=" + exchange.getRequestHeaders().getFirst("X-Forwarded-For")
                    + "\nauthorization=" + exchange.getRequestHeaders().getFirst("Authorization")
                    + "\nsecret-hop=" + exchange.getRequestHeaders().getFirst("X-Secret-Hop")
                    + "\nbody=" + body.length + "\nupstream-connection=" + exchange.getRemoteAddress().getPort() + "\n";
            byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Backend", name);
            exchange.sendResponseHeaders(200, exchange.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
            if (!exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        s.start();
        backends.add(s);
        return s;
    }

    @BeforeAll
    static void start() throws Exception {
        int a = backend("a", 0).getAddress().getPort();
        int b = backend("b", 0).getAddress().getPort();
        int c = backend("c", 0).getAddress().getPort();
        int slow = backend("slow", 3000).getAddress().getPort();
        try (ServerSocket probe = new ServerSocket(0)) {
            deadPort = probe.getLocalPort();
        }
        String routes = """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: http }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" }]
                  loadBalancing: { policy: RoundRobin }
                  rules:
                    - paths: [/http/]
                      rewrite: [{ search: "^/http/", replace: /renamed/ }]
                      methods: { deny: [DELETE] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: private }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/private/], auth: { users: [{ name: ops, password: pw }] } }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: empty }
                spec: { service: nothing-running, rules: [{ paths: [/empty/], port: 80 }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: dead }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], retries: { attempts: 0 }, rules: [{ paths: [/dead/] }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: slow }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/slow/] }] }
                """.formatted(a, b, c, a, deadPort, slow);
        server = new DataplaneServer(TestReplicas.config(Duration.ofMillis(700), Duration.ofSeconds(5)));
        server.start();
        server.apply(TestReplicas.routes(routes), "test");
        base = "http://127.0.0.1:" + server.trafficAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.close();
        backends.forEach(s -> s.stop(0));
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void proxiesWithTheRewrittenPathAndForwardingHeaders() throws Exception {
        HttpResponse<String> response = get("/http/hello?x=1");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("path=/renamed/hello?x=1", "xff=127.0.0.1", "body=0");
        assertThat(response.headers().firstValue("X-Backend")).isPresent();
        String hop = raw("GET /http/ HTTP/1.1\r\nHost: a\r\nX-Secret-Hop: 1\r\nConnection: close, X-Secret-Hop\r\n\r\n");
        assertThat(hop).startsWith("HTTP/1.1 200").contains("secret-hop=null");
    }

    @Test
    void roundRobinVisitsEveryBackend() throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            seen.merge(get("/http/").headers().firstValue("X-Backend").orElseThrow(), 1, Integer::sum);
        }
        assertThat(seen).containsOnlyKeys("a", "b", "c").allSatisfy((k, v) -> assertThat(v).isEqualTo(2));
    }

    @Test
    void streamsALargeRequestBody() throws Exception {
        byte[] body = new byte[4 * 1024 * 1024];
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/http/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("body=" + body.length);
    }

    @Test
    void headRequestsHaveNoBody() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/http/x"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        // the proxy's own answers too: the 404's length, not its text, then the next answer on the same connection
        String both = raw("HEAD /nowhere HTTP/1.1\r\nHost: a\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: a\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(both.split("HTTP/1.1 404 Not Found", -1)).as(both).hasSize(3);
        assertThat(both.split("no route for a/nowhere", -1)).as(both).hasSize(2);
        assertThat(both).contains("content-length: 23"); // "no route for a/nowhere\n"
    }

    @Test
    void errorsSayWhy() throws Exception {
        HttpResponse<String> none = get("/nowhere");
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(none.body()).startsWith("no route for 127.0.0.1:");
        HttpResponse<String> empty = get("/empty/x");
        assertThat(empty.statusCode()).isEqualTo(503);
        assertThat(empty.body()).isEqualTo("route empty: no healthy endpoint\n");
        HttpResponse<String> dead = get("/dead/x");
        assertThat(dead.statusCode()).isEqualTo(502);
        assertThat(dead.body()).startsWith("route dead: upstream 127.0.0.1:" + deadPort + " refused the connection");
        HttpResponse<String> slow = get("/slow/x");
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("route slow: upstream", "did not answer");
        HttpResponse<String> delete = http.send(HttpRequest.newBuilder(URI.create(base + "/http/x")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("Allow")).contains("GET, HEAD, POST, PUT, PATCH, OPTIONS");
    }

    @Test
    void basicAuthAndTheAuthorizationHeaderStaysHere() throws Exception {
        HttpResponse<String> denied = get("/private/x");
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(denied.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"private\", charset=\"UTF-8\"");
        String credentials = "Basic " + Base64.getEncoder().encodeToString("ops:pw".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> allowed = get("/private/x", "Authorization", credentials);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).contains("authorization=null");
    }

    static String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.trafficAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void upstreamConnectionsAreSharedByClientConnections() throws Exception {
        // Each request on a client connection of its own; round robin spreads them over three backends. Pooled per
        // event loop, at most (backends x event loops) upstream connections are ever opened; unpooled, one each.
        int bound = 3 * 2 * Runtime.getRuntime().availableProcessors();
        int requests = 3 * bound;
        java.util.Set<String> connections = new java.util.HashSet<>();
        for (int i = 0; i < requests; i++) {
            String response = raw("GET /http/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 200");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("X-backend: (\\w+)[\\s\\S]*upstream-connection=(\\d+)",
                    java.util.regex.Pattern.CASE_INSENSITIVE).matcher(response);
            assertThat(m.find()).as(response).isTrue();
            connections.add(m.group(1) + ":" + m.group(2));
        }
        assertThat(connections.size()).isLessThanOrEqualTo(bound);
    }

    @Test
    void aRestartedBackendCostsNoFailedRequest() throws Exception {
        HttpServer first = backend("first", 0);
        int port = first.getAddress().getPort();
        try (DataplaneServer own = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5), Duration.ofSeconds(5)))) {
            own.start();
            own.apply(Snapshot.of(RouteLoader.parse("r.yaml", """
                    apiVersion: ballast.dev/v1alpha1
                    kind: Route
                    metadata: { name: one }
                    spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/] }] }
                    """.formatted(port)).routes().stream().map(LoadedRoute::route).toList(), List.of()), "test");
            URI uri = URI.create("http://127.0.0.1:" + own.trafficAddress().getPort() + "/x");
            for (int i = 0; i < 5; i++) {
                assertThat(http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                        .body()).startsWith("first");
            }
            first.stop(0); // closes the connections the proxy keeps in its pool
            HttpServer second = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            second.createContext("/", exchange -> {
                byte[] body = "second".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            second.start();
            backends.add(second);
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("second");
            }
        }
    }

    @Test
    void idleAndSlowClientsAreDisconnected() throws Exception {
        try (DataplaneServer own = new DataplaneServer(new DataplaneConfig(List.of(), Optional.empty(),
                List.of(new HostPort("127.0.0.1", 0)), new HostPort("127.0.0.1", 0), Optional.empty(), "test",
                Duration.ofSeconds(2), Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofHours(1),
                Duration.ofMillis(300), Duration.ofMillis(500), 8192, Duration.ofSeconds(5), false, 2,
                java.nio.file.Path.of("/run/secrets"), Optional.empty(), false, DataplaneConfig.Compression.OFF,
                Optional.empty(), DataplaneConfig.Tls.NONE, List.of(), Optional.empty(), true, Optional.empty(),
                DataplaneConfig.Limits.DEFAULT))) {
            own.start();
            own.apply(Snapshot.empty(), "test");
            int port = own.trafficAddress().getPort();
            assertClosedWithin(port, "", Duration.ofSeconds(3)); // connects, says nothing
            assertClosedWithin(port, "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ", Duration.ofSeconds(3)); // slowloris
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(5000);
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                Thread.sleep(400); // longer than the request timeout: answered, so only keep-alive counts now
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                long start = System.nanoTime();
                String both = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(both.split("HTTP/1.1 404", -1)).as(both).hasSize(3);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("closed after the keep-alive timeout")
                        .isLessThan(Duration.ofSeconds(3));
            }
        }
    }

    static void assertClosedWithin(int port, String sent, Duration within) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) within.toMillis());
            socket.getOutputStream().write(sent.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(socket.getInputStream().read()).as("closed by the proxy, no answer").isEqualTo(-1);
        }
    }

    @Test
    void malformedAndAmbiguousRequestsAreRefused() throws Exception {
        assertThat(raw("GET /http/ HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
                .startsWith("HTTP/1.1 400 Bad Request").contains("Content-Length", "Transfer-Encoding");
        assertThat(raw("POST /http/ HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"))
                .startsWith("HTTP/1.1 400 Bad Request");
        assertThat(raw("GET /http/ HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(10000) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431 Request Header Fields Too Large");
        assertThat(raw("NOT A REQUEST\r\n\r\n")).startsWith("HTTP/1.1 400 Bad Request");
    }

    @Test
    void keepAliveCarriesSeveralRequests() throws Exception {
        String replies = raw("GET /http/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /http/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(replies.split("HTTP/1.1 ", -1)).hasSize(4);
        assertThat(replies).contains("path=/renamed/1", "no route for a/nowhere", "path=/renamed/3");
    }

    @Test
    void adminEndpoints() throws Exception {
        String admin = "http://127.0.0.1:" + server.adminAddress().getPort();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(admin + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(admin + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"source\":\"test\"");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(admin + "/v1/docker-flow-proxy/config")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("\"name\":\"http\"", "\"name\":\"private\"");
    }
}
