package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.TestTraffic.bytes;
import static dev.ballast.dataplane.proxy.TestTraffic.last;
import static dev.ballast.dataplane.proxy.TestTraffic.part;
import static dev.ballast.dataplane.proxy.TestTraffic.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.dataplane.TestReplicas;
import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.dataplane.health.HealthChecks;
import dev.ballast.schema.HealthCheck;
import dev.ballast.schema.Snapshot;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RouteDispatcher} after the real {@link ClientTimeouts} and {@link RequestQueue} (which it tells when an
 * answer of its own is done), with a {@link Recorder} standing for the exchange relay, and a routing table compiled
 * from routes as the controller would send them. The proxy's own answers stay response objects: no encoder.
 */
class RouteDispatcherTest {

    private static final String CLIENT = "192.0.2.7";
    private static final Duration NEVER = Duration.ofMinutes(10);
    private static final String STATIC = "endpoints: [{ address: \"127.0.0.1:9\" }], rules: ";
    private static final String ROUTES = route("api", STATIC + "[{ paths: [/api/], methods: { deny: [DELETE] },"
                    + " rewrite: [{ search: \"^/api/\", replace: /v2/ }] }]")
            + route("moved", STATIC + "[{ paths: [/moved/], redirect: { httpsOnly: true, code: 301 } }]")
            + route("private", STATIC + "[{ paths: [/private/], auth: { users: [{ name: ops, password: pw }] } }]")
            + route("secure-only", STATIC + "[{ paths: [/secure/], denyHttp: true }]")
            + route("empty", "service: nothing-running, rules: [{ paths: [/empty/], port: 80 }]")
            + route("checked", "endpoints: [{ address: \"127.0.0.1:%d\" }], rules: [{ paths: [/checked/] }],"
                    + " healthCheck: { path: /health, interval: 50ms, timeout: 500ms, unhealthyThreshold: 1 }");

    private static String route(String name, String spec) {
        return "---\napiVersion: ballast.dev/v1alpha1\nkind: Route\nmetadata: { name: " + name + " }\n"
                + "spec: { " + spec + " }\n";
    }

    private final int deadPort = deadPort();
    private final Snapshot routes = TestReplicas.routes(ROUTES.formatted(deadPort));
    private final HealthChecks health = new HealthChecks();
    private final ProxyContext context = TestProxyContext.of(routes, health, NEVER, NEVER, null);
    private final Recorder recorder = new Recorder();
    private final ClientTimeouts timeouts = new ClientTimeouts(NEVER, NEVER);
    private final RequestQueue queue = new RequestQueue(timeouts, NEVER, NEVER);
    private final EmbeddedChannel channel = connection(timeouts, queue, recorder);

    private EmbeddedChannel connection(ClientTimeouts timeouts, RequestQueue queue, Recorder relay) {
        return new EmbeddedChannel(timeouts, queue,
                new RouteDispatcher(context, queue, new RequestObserver(context, CLIENT),
                        new ClientConnection(8080, CLIENT, false, false)), relay);
    }

    @AfterEach
    void finish() {
        recorder.take();
        channel.finishAndReleaseAll();
        health.close();
    }

    private static int deadPort() {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort(); // nothing listens there once it is closed
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request without a body, as the decoder hands it on: its head, then an empty end. */
    private void send(HttpMethod method, String target, String... headers) {
        channel.writeInbound(request(method, target, headers), LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** The proxy's own answer to the client, read and released; header names in lower case. */
    private record Answer(int status, Map<String, String> headers, String body) {
    }

    private static Answer answer(EmbeddedChannel channel) {
        FullHttpResponse response = channel.readOutbound();
        assertThat(response).as("an answer of the proxy's own").isNotNull();
        try {
            return new Answer(response.status().code(), response.headers().entries().stream()
                    .collect(Collectors.toMap(e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue)),
                    response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void aRoutedRequestGoesOnWithItsHeadReadiedForTheUpstream() {
        channel.writeInbound(request(HttpMethod.GET, "/api/users?page=2", "Expect", "100-continue",
                "Connection", "close", "X-Forwarded-For", "203.0.113.9"));
        RoutedRequest routed = (RoutedRequest) recorder.poll();
        assertThat(routed.route().name()).isEqualTo("api");
        assertThat(routed.upstreams().upstreams()).extracting(Upstream::address).containsExactly("127.0.0.1:9");
        assertThat(routed.head().uri()).as("the rule's rewrite").isEqualTo("/v2/users?page=2");
        assertThat(routed.clientKeepAlive()).as("the client's wish, for the answer").isFalse();
        assertThat(HttpUtil.isKeepAlive(routed.head())).as("the upstream connection is kept regardless").isTrue();
        assertThat(routed.head().headers().contains(HttpHeaderNames.EXPECT)).as("answered before").isFalse();
        assertThat(routed.head().headers().get("X-Forwarded-For")).as("an untrusted client's claim is replaced")
                .isEqualTo(CLIENT);
        assertThat(routed.upgrade()).isNull();
        assertThat(channel.outboundMessages()).isEmpty();
    }

    @Test
    void theBodyFollowsItsRoutedHeadAndABodyPartCarriedByTheHeadGoesOnItsOwn() {
        channel.writeInbound(request(HttpMethod.POST, "/api/upload", "Content-Length", "3"), part("ab"));
        channel.writeInbound(last("c"));
        assertThat(recorder.take()).containsExactly("routed api POST /v2/upload", "part ab", "last c");
        queue.done(); // the relay's answer

        DefaultFullHttpRequest whole = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                "/api/whole", bytes("abc"));
        whole.headers().set(HttpHeaderNames.CONTENT_LENGTH, 3);
        channel.writeInbound(whole);
        RoutedRequest routed = (RoutedRequest) recorder.poll();
        assertThat(routed.head()).as("a head the upstream's encoder takes for a head")
                .isNotInstanceOf(HttpContent.class);
        assertThat(recorder.take()).containsExactly("last abc"); // its buffer released once, by its taker
    }

    @Test
    void anUpgradeKeepsTheHeadersTheUpstreamNeedsToSwitch() {
        send(HttpMethod.GET, "/api/socket", "Connection", "Upgrade", "Upgrade", "websocket");
        RoutedRequest routed = (RoutedRequest) recorder.poll();
        assertThat(routed.upgrade()).isEqualTo("websocket");
        assertThat(routed.head().headers().get(HttpHeaderNames.UPGRADE)).isEqualTo("websocket");
        assertThat(routed.head().headers().containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)).isTrue();
    }

    @Test
    void noRouteIs404AndTheConnectionGoesOnToTheNextRequest() {
        send(HttpMethod.GET, "/nowhere");
        Answer answer = answer(channel);
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.body()).isEqualTo("no route for shop.example/nowhere\n");
        assertThat(answer.headers()).containsEntry("connection", "keep-alive");
        assertThat(recorder.take()).as("the body of a request answered here is dropped, not relayed").isEmpty();
        send(HttpMethod.GET, "/api/next");
        assertThat(recorder.take()).as("the queue was told the answer is done")
                .containsExactly("routed api GET /v2/next", "last");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aHeadRequestIsAnsweredWithTheLengthButNotTheBody() {
        send(HttpMethod.HEAD, "/nowhere");
        Answer answer = answer(channel);
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.body()).isEmpty();
        assertThat(answer.headers()).as("the length a GET would have had")
                .containsEntry("content-length", "" + "no route for shop.example/nowhere\n".length());
    }

    @Test
    void aRefusedMethodIs405WithTheMethodsAllowed() {
        send(HttpMethod.DELETE, "/api/users/1");
        Answer answer = answer(channel);
        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.headers()).containsEntry("allow", "GET, HEAD, POST, PUT, PATCH, OPTIONS");
        assertThat(answer.body()).isEqualTo("route api: method DELETE not allowed\n");
        assertThat(recorder.take()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /moved/page?q=1 | 301 | location=https://shop.example/moved/page?q=1
            /private/report | 401 | www-authenticate=Basic realm="private", charset="UTF-8"
            /secure/data    | 403 | route secure-only accepts HTTPS only
            """)
    void theRouteAccessRulesAnswerBeforeAnythingGoesUpstream(String target, int status, String says) {
        send(HttpMethod.GET, target);
        Answer answer = answer(channel);
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.headers() + answer.body()).contains(says);
        assertThat(answer.headers()).containsEntry("connection", "keep-alive");
        assertThat(recorder.take()).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aRouteWithoutAHealthyEndpointIs503() {
        send(HttpMethod.GET, "/empty/x");
        assertThat(answer(channel).body()).isEqualTo("route empty: no healthy endpoint\n");

        // its health check fails at once, since nothing listens on the endpoint's port
        HealthCheck check = routes.routes().stream().filter(r -> r.name().equals("checked")).findFirst()
                .orElseThrow().spec().healthCheck();
        String address = "127.0.0.1:" + deadPort;
        health.reconcile(Set.of(new HealthChecks.Target(address, check)));
        await().atMost(Duration.ofSeconds(5)).until(() -> !health.probe(address, check).healthy());
        send(HttpMethod.GET, "/checked/x");
        Answer answer = answer(channel);
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.body()).isEqualTo("route checked: no healthy endpoint (every one fails its health check)\n");
        assertThat(recorder.take()).isEmpty();
    }

    @Test
    void aRequestThatCannotBeReadIsRefusedAndTheConnectionClosed() {
        assertRefusedAndClosed(failed(new TooLongHttpHeaderException("header too long")), 431);
        assertRefusedAndClosed(failed(new TooLongHttpLineException("line too long")), 414);
        assertRefusedAndClosed(failed(new IllegalArgumentException("invalid version")), 400);
        assertRefusedAndClosed(request(HttpMethod.POST, "/api/x", "Content-Length", "4",
                "Transfer-Encoding", "chunked"), 400); // ambiguous framing, the root of request smuggling
    }

    private static HttpRequest failed(Exception cause) {
        HttpRequest request = request(HttpMethod.GET, "/api/x");
        request.setDecoderResult(DecoderResult.failure(cause));
        return request;
    }

    /** On a connection of its own: each is closed. */
    private void assertRefusedAndClosed(HttpRequest request, int status) {
        ClientTimeouts timeouts = new ClientTimeouts(NEVER, NEVER);
        Recorder relay = new Recorder();
        EmbeddedChannel connection = connection(timeouts, new RequestQueue(timeouts, NEVER, NEVER), relay);
        connection.writeInbound(request);
        Answer answer = answer(connection);
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.body()).startsWith("bad request: ");
        assertThat(answer.headers()).containsEntry("connection", "close");
        assertThat(connection.isOpen()).isFalse();
        assertThat(relay.take()).isEmpty();
        assertThat(connection.finishAndReleaseAll()).isFalse();
    }

    @Test
    void whileDrainingAnAnswerOfItsOwnSaysCloseAndClosesTheConnection() {
        send(HttpMethod.GET, "/api/slow");
        channel.pipeline().fireUserEventTriggered(ClientPipeline.DRAIN); // busy: the queue keeps the connection
        send(HttpMethod.GET, "/nowhere"); // pipelined behind the exchange under way
        assertThat(recorder.take()).containsExactly("routed api GET /v2/slow", "last");
        assertThat(recorder.events).containsExactly(ClientPipeline.DRAIN);
        queue.done(); // the relay's answer to /api/slow left
        Answer answer = answer(channel);
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.headers()).containsEntry("connection", "close");
        assertThat(channel.isOpen()).isFalse();
    }
}
