package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.config.Cidr;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.Endpoint;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.StickySessions;
import dev.ballast.schema.labels.LabelTranslation;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sticky sessions through a running replica to real backends on loopback: the cookie that pins a client, and what
 * moves a pin (its endpoint gone, failing or refusing) and what does not (a scale, another replica, another route).
 */
class StickySessionsTest {

    static final String COOKIE = StickySessions.DEFAULT_COOKIE;

    final Map<String, NamedBackend> backends = new LinkedHashMap<>();
    final List<DataplaneServer> servers = new ArrayList<>();
    DataplaneServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** What a request got: who answered, the sticky cookie set (its {@code Set-Cookie}, or null), what the backend saw. */
    record Answer(String backend, String setCookie, String seenCookie) {

        /** The value the answer pinned the client with. */
        String pin() {
            assertThat(setCookie).as("a Set-Cookie").isNotNull();
            return setCookie.substring(COOKIE.length() + 1, setCookie.indexOf(';'));
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = replica();
        for (String name : List.of("a", "b", "c", "d", "e")) {
            backends.put(name, new NamedBackend(name));
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(DataplaneServer::close);
        backends.values().forEach(NamedBackend::close);
    }

    DataplaneServer replica() throws InterruptedException {
        DataplaneServer replica = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)));
        replica.start();
        servers.add(replica);
        return replica;
    }

    /** The sticky route "shop" on /shop/ to the backends named, as every replica is given it. */
    void shop(String... names) {
        for (DataplaneServer replica : servers) {
            replica.apply(TestReplicas.routes(sticky("shop", names) + "---\n" + sticky("blog", "e")), "test");
        }
    }

    String sticky(String route, String... names) {
        String endpoints = java.util.Arrays.stream(names).map(n -> "{ address: \"" + backends.get(n).address() + "\" }")
                .collect(Collectors.joining(", "));
        return """
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: %s }
                spec:
                  endpoints: [%s]
                  stickySessions: { enabled: true }
                  rules: [{ paths: [/%s/] }]
                """.formatted(route, endpoints, route);
    }

    Answer get(DataplaneServer replica, String path, String cookie, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + replica.trafficAddress().getPort() + path)).timeout(Duration.ofSeconds(10));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> setCookies = response.headers().allValues("set-cookie");
        assertThat(setCookies).as("at most one sticky cookie").hasSizeLessThanOrEqualTo(1);
        return new Answer(response.body(), setCookies.isEmpty() ? null : setCookies.get(0),
                response.headers().firstValue("x-seen-cookie").orElse(""));
    }

    Answer get(String path, String cookie) throws Exception {
        return get(server, path, cookie);
    }

    /** A new client's first request: it is pinned. */
    Answer pinNew() throws Exception {
        Answer first = get("/shop/", null);
        assertThat(first.setCookie()).as("a new client is pinned").startsWith(COOKIE + "=");
        return first;
    }

    @Test
    void aPinnedClientStaysOnItsEndpoint() throws Exception {
        shop("a", "b", "c");
        Answer first = pinNew();
        assertThat(first.setCookie()).endsWith("; Path=/; HttpOnly; SameSite=Lax").doesNotContain("Secure");
        for (String backend : backends.values().stream().map(NamedBackend::address).toList()) {
            assertThat(first.pin()).as("opaque: not the address").doesNotContain(backend)
                    .doesNotContain(backend.substring(backend.indexOf(':') + 1));
        }
        for (int i = 0; i < 20; i++) {
            Answer next = get("/shop/", COOKIE + "=" + first.pin());
            assertThat(next.backend()).as("request %d", i).isEqualTo(first.backend());
            assertThat(next.setCookie()).as("pinned already: no new cookie").isNull();
        }
    }

    @Test
    void newClientsAreSpreadAndEachPinned() throws Exception {
        shop("a", "b", "c");
        Set<String> pinnedTo = new HashSet<>();
        Map<String, String> pins = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            Answer first = pinNew();
            pinnedTo.add(first.backend());
            pins.put(first.pin(), first.backend());
        }
        assertThat(pinnedTo).as("the balancer spreads new clients").containsExactlyInAnyOrder("a", "b", "c");
        for (Map.Entry<String, String> pin : pins.entrySet()) {
            assertThat(get("/shop/", COOKIE + "=" + pin.getKey()).backend()).isEqualTo(pin.getValue());
        }
    }

    @Test
    void theBackendSeesEveryCookieTheStickyOneToo() throws Exception {
        shop("a", "b", "c");
        String pin = pinNew().pin();
        Answer answer = get("/shop/", "session=abc; " + COOKIE + "=" + pin + "; theme=dark");
        assertThat(answer.seenCookie()).isEqualTo("session=abc; " + COOKIE + "=" + pin + "; theme=dark");
        assertThat(answer.setCookie()).isNull();
    }

    @Test
    void aScaleKeepsPinnedClientsWhereTheyAre() throws Exception {
        shop("a", "b", "c");
        Map<String, String> pins = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            Answer first = pinNew();
            pins.put(first.pin(), first.backend());
        }
        shop("a", "b", "c", "d", "e"); // docker service scale shop=5
        for (Map.Entry<String, String> pin : pins.entrySet()) {
            for (int i = 0; i < 5; i++) {
                Answer next = get("/shop/", COOKIE + "=" + pin.getKey());
                assertThat(next.backend()).isEqualTo(pin.getValue());
                assertThat(next.setCookie()).isNull();
            }
        }
        Set<String> newClients = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            newClients.add(pinNew().backend());
        }
        assertThat(newClients).as("new clients reach the new tasks").contains("d", "e");
    }

    @Test
    void aClientWhoseEndpointIsGoneIsPinnedAnew() throws Exception {
        shop("a", "b", "c");
        Answer first = pinNew();
        List<String> rest = new ArrayList<>(List.of("a", "b", "c"));
        rest.remove(first.backend());
        shop(rest.toArray(String[]::new)); // its task went away
        Answer moved = get("/shop/", COOKIE + "=" + first.pin());
        assertThat(moved.backend()).isIn(rest);
        assertThat(moved.pin()).isNotEqualTo(first.pin());
        for (int i = 0; i < 5; i++) {
            Answer next = get("/shop/", COOKIE + "=" + moved.pin());
            assertThat(next.backend()).isEqualTo(moved.backend());
            assertThat(next.setCookie()).isNull();
        }
    }

    @Test
    void aClientWhoseEndpointRefusesIsPinnedToTheOneThatAnswered() throws Exception {
        shop("a", "b", "c");
        Answer first = pinNew();
        backends.get(first.backend()).close(); // still in the snapshot, but it refuses: retried elsewhere
        Answer moved = get("/shop/", COOKIE + "=" + first.pin());
        assertThat(moved.backend()).isNotEqualTo(first.backend());
        assertThat(moved.pin()).isNotEqualTo(first.pin());
        Answer next = get("/shop/", COOKIE + "=" + moved.pin());
        assertThat(next.backend()).isEqualTo(moved.backend());
        assertThat(next.setCookie()).isNull();
    }

    @Test
    void aClientWhoseEndpointFailsItsHealthCheckIsPinnedAnew() throws Exception {
        String endpoints = java.util.stream.Stream.of("a", "b", "c")
                .map(n -> "{ address: \"" + backends.get(n).address() + "\" }").collect(Collectors.joining(", "));
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: shop }
                spec:
                  endpoints: [%s]
                  stickySessions: { enabled: true, cookieName: SHOP_AFFINITY }
                  healthCheck: { path: /health, interval: 50ms, timeout: 500ms, unhealthyThreshold: 1, healthyThreshold: 1 }
                  rules: [{ paths: [/shop/] }]
                """.formatted(endpoints)), "test");
        HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.trafficAddress().getPort() + "/shop/")).build(), HttpResponse.BodyHandlers.ofString());
        String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).startsWith("SHOP_AFFINITY=");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        backends.get(first.body()).healthy = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        HttpResponse<String> moved;
        do { // until the proxy has seen the check fail
            moved = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.trafficAddress().getPort()
                    + "/shop/")).header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        } while (moved.body().equals(first.body()) && System.nanoTime() < deadline);
        assertThat(moved.body()).isNotEqualTo(first.body());
        assertThat(moved.headers().firstValue("set-cookie")).as("pinned to the one that answered")
                .hasValueSatisfying(v -> assertThat(v).startsWith("SHOP_AFFINITY=").doesNotStartWith(cookie + ";"));
    }

    @Test
    void anUnknownOrGarbledCookieIsNoPin() throws Exception {
        shop("a", "b", "c");
        for (String cookie : List.of(COOKIE + "=", COOKIE + "=garbage!!", COOKIE + "=\"quoted nonsense\"",
                COOKIE + "=AAAAAAAAAAAAAAAA", COOKIE + "=...", COOKIE + "=127.0.0.1:8080", "OTHER=1")) {
            Answer answer = get("/shop/", cookie);
            assertThat(answer.setCookie()).as(cookie).startsWith(COOKIE + "=");
            assertThat(get("/shop/", COOKIE + "=" + answer.pin()).backend()).as(cookie).isEqualTo(answer.backend());
        }
    }

    @Test
    void behindATrustedTlsFrontTheCookieIsSecure() throws Exception {
        DataplaneServer behindBalancer = new DataplaneServer(TestReplicas.withTls(
                TestReplicas.config(Duration.ofSeconds(5)), DataplaneConfig.Tls.NONE, Path.of("/run/secrets"),
                List.of(Cidr.parse("127.0.0.1/32"))));
        behindBalancer.start();
        servers.add(behindBalancer);
        shop("a", "b", "c");
        Answer answer = get(behindBalancer, "/shop/", null, "X-Forwarded-Proto", "https");
        assertThat(answer.setCookie()).endsWith("; Path=/; HttpOnly; SameSite=Lax; Secure");
        Answer untrusted = get(server, "/shop/", null, "X-Forwarded-Proto", "https");
        assertThat(untrusted.setCookie()).as("anyone may claim https; only a trusted proxy is believed")
                .endsWith("; Path=/; HttpOnly; SameSite=Lax");
    }

    @Test
    void everyReplicaReadsThePinTheSameWay() throws Exception {
        DataplaneServer other = replica();
        shop("a", "b", "c");
        for (int i = 0; i < 3; i++) {
            Answer first = pinNew();
            for (DataplaneServer replica : List.of(other, server, other)) { // as Swarm's ingress may alternate
                Answer next = get(replica, "/shop/", COOKIE + "=" + first.pin());
                assertThat(next.backend()).isEqualTo(first.backend());
                assertThat(next.setCookie()).isNull();
            }
        }
    }

    @Test
    void twoStickyRoutesShareTheCookieWithoutUnpinningEachOther() throws Exception {
        shop("a", "b", "c");
        Answer shop = pinNew();
        Answer blog = get("/blog/", COOKIE + "=" + shop.pin());
        assertThat(blog.backend()).isEqualTo("e");
        String both = blog.pin();
        assertThat(both).as("the shop's pin is kept").contains(shop.pin());
        for (int i = 0; i < 5; i++) {
            Answer again = get("/shop/", COOKIE + "=" + both);
            assertThat(again.backend()).isEqualTo(shop.backend());
            assertThat(again.setCookie()).isNull();
            assertThat(get("/blog/", COOKIE + "=" + both).setCookie()).isNull();
        }
    }

    @Test
    void theDockerFlowLabelMakesARouteSticky() throws Exception {
        LabelTranslation translation = new LabelTranslator(TranslationOptions.defaults()).translateLabels("http_http",
                Map.of("com.df.notify", "true", "com.df.servicePath", "/", "com.df.port", "80",
                        "com.df.sessionType", "sticky-server"));
        assertThat(translation).isInstanceOf(LabelTranslation.Translated.class);
        Route route = ((LabelTranslation.Translated) translation).route();
        assertThat(route.spec().stickySessions()).isEqualTo(new StickySessions(true, COOKIE));
        server.apply(Snapshot.of(List.of(route), List.of(new Endpoints("http_http", List.of(
                new Endpoint(backends.get("a").address()), new Endpoint(backends.get("b").address()))))), "test");
        Answer first = get("/", null);
        assertThat(first.setCookie()).startsWith(COOKIE + "=");
        for (int i = 0; i < 5; i++) {
            assertThat(get("/", COOKIE + "=" + first.pin()).backend()).isEqualTo(first.backend());
        }
    }

    @Test
    void aRouteWithoutStickySessionsSetsNoCookie() throws Exception {
        server.apply(TestReplicas.route("plain", "/plain/", Integer.parseInt(backends.get("a").address().split(":")[1])),
                "test");
        assertThat(get("/plain/", null).setCookie()).isNull();
        assertThat(get("/plain/", COOKIE + "=whatever").seenCookie()).isEqualTo(COOKIE + "=whatever");
    }
}
