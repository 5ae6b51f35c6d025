package dev.ballast.dataplane.tls;

import static dev.ballast.dataplane.tls.TlsTesting.echoedOne;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.certificates.TestCa;
import dev.ballast.config.Cidr;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.schema.Snapshot;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding headers and the rules that go by scheme ({@code httpsOnly}, {@code denyHttp}) judge by the connection the
 * request really came in on: a client's own {@code X-Forwarded-*} and {@code Forwarded} are replaced, unless it is one
 * of {@code --trusted-proxies}, whose are believed and extended. Two replicas, one trusting loopback and one trusting
 * nobody, each with a plain and a TLS listener; requests written on raw sockets (headers exactly as given).
 */
class ForwardingHeadersTest {

    private static final String HOST = "shop.example.com";
    private static final String[] CLAIMS = {"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https",
            "X-Forwarded-Host: public.example.com", "Forwarded: for=203.0.113.9;proto=https;host=public.example.com"};

    @TempDir
    static Path dir;
    static TestCa ca;
    static HttpServer backend;
    static DataplaneServer untrusting;
    static DataplaneServer trusting;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "Ballast Forwarding CA");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        ca.issue(HOST).writePem(certs, "shop");
        backend = TlsTesting.echoBackend();
        int port = backend.getAddress().getPort();
        Snapshot routes = TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: echo }
                spec: { endpoints: [{ address: "127.0.0.1:%d" }], rules: [{ paths: [/echo/] }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: secure }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/secure/], redirect: { httpsOnly: true, code: 301 } }]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: deny }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/deny/], denyHttp: true }]
                """.formatted(port, port, port));
        untrusting = TlsTesting.replica(certs, null, Files.createDirectories(dir.resolve("secrets-a")), List.of(),
                routes);
        trusting = TlsTesting.replica(certs, null, Files.createDirectories(dir.resolve("secrets-b")),
                List.of(Cidr.parse("127.0.0.1/32")), routes);
    }

    @AfterAll
    static void stop() {
        for (DataplaneServer server : new DataplaneServer[] {untrusting, trusting}) {
            if (server != null) {
                server.close();
            }
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    private static TlsTesting.Response plain(DataplaneServer server, String target, String... headers)
            throws IOException {
        try (Socket socket = TlsTesting.plain(TlsTesting.plainPort(server))) {
            return TlsTesting.exchange(socket, TlsTesting.get(target, HOST, headers));
        }
    }

    private static TlsTesting.Response overTls(DataplaneServer server, String target, String... headers)
            throws Exception {
        try (Socket socket = TlsTesting.connect(TlsTesting.trusting(ca.rootFile()), TlsTesting.tlsPort(server),
                HOST)) {
            return TlsTesting.exchange(socket, TlsTesting.get(target, HOST, headers));
        }
    }

    @Test
    void anUntrustedClientsClaimsAreReplacedWithWhatThePlainConnectionShows() throws Exception {
        TlsTesting.Response response = plain(untrusting, "/echo/a", CLAIMS);

        assertThat(response.status()).isEqualTo(200);
        String seen = response.body();
        TlsTesting.assertForwarding(seen, "127.0.0.1", "http", HOST, "for=127.0.0.1;proto=http;host=\"" + HOST + "\"");
        assertThat(seen).doesNotContain("203.0.113.9").doesNotContain("public.example.com");
    }

    @Test
    void anUntrustedClientsClaimsAreReplacedWithWhatTheTlsConnectionShows() throws Exception {
        TlsTesting.Response response = overTls(untrusting, "/echo/b", "X-Forwarded-For: 203.0.113.9",
                "X-Forwarded-Proto: http", "X-Forwarded-Host: public.example.com", "Forwarded: for=203.0.113.9");

        assertThat(response.status()).isEqualTo(200);
        String seen = response.body();
        TlsTesting.assertForwarding(seen, "127.0.0.1", "https", HOST,
                "for=127.0.0.1;proto=https;host=\"" + HOST + "\"");
    }

    @Test
    void withoutForwardingHeadersTheBackendIsToldAboutTheConnectionAndGetsNoForwardedHeader() throws Exception {
        for (DataplaneServer server : List.of(untrusting, trusting)) {
            String seen = plain(server, "/echo/c").body();
            TlsTesting.assertForwarding(seen, "127.0.0.1", "http", HOST, null);
        }
    }

    @Test
    void aTrustedProxysHeadersAreBelievedAndExtended() throws Exception {
        TlsTesting.Response response = plain(trusting, "/echo/d", CLAIMS);

        assertThat(response.status()).isEqualTo(200);
        String seen = response.body();
        assertThat(echoedOne(seen, "X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(echoedOne(seen, "X-Forwarded-Proto")).isEqualTo("https");
        assertThat(echoedOne(seen, "X-Forwarded-Host")).isEqualTo("public.example.com");
        assertThat(echoedOne(seen, "Forwarded"))
                .as("this hop's element describes this hop: plain HTTP from the balancer (RFC 7239)")
                .startsWith("for=203.0.113.9;proto=https;host=public.example.com, for=127.0.0.1;proto=http;");
    }

    @Test
    void httpsOnlyRedirectsPlainRequestsWhateverAnUntrustedClientClaims() throws Exception {
        for (String[] headers : List.of(new String[0], CLAIMS)) {
            TlsTesting.Response response = plain(untrusting, "/secure/page?q=1", headers);
            assertThat(response.status()).isEqualTo(301);
            assertThat(response.header("Location")).isEqualTo("https://" + HOST + "/secure/page?q=1");
        }
        TlsTesting.Response secure = overTls(untrusting, "/secure/page?q=1");
        assertThat(secure.status()).isEqualTo(200);
        assertThat(secure.body()).startsWith("GET /secure/page?q=1\n");
    }

    @Test
    void httpsOnlyBelievesATrustedProxySayingHttps() throws Exception {
        assertThat(plain(trusting, "/secure/x", "X-Forwarded-Proto: https").status()).isEqualTo(200);
        TlsTesting.Response toldHttp = plain(trusting, "/secure/x", "X-Forwarded-Proto: http");
        assertThat(toldHttp.status()).isEqualTo(301);
        assertThat(toldHttp.header("Location")).isEqualTo("https://" + HOST + "/secure/x");
        assertThat(plain(trusting, "/secure/x").status()).isEqualTo(301);
        assertThat(overTls(trusting, "/secure/x").status()).isEqualTo(200);
    }

    @Test
    void denyHttpRefusesPlainRequestsAndServesTls() throws Exception {
        assertThat(plain(untrusting, "/deny/x").status()).isEqualTo(403);
        assertThat(plain(untrusting, "/deny/x", CLAIMS).status()).isEqualTo(403);
        TlsTesting.Response secure = overTls(untrusting, "/deny/x");
        assertThat(secure.status()).isEqualTo(200);
        assertThat(secure.body()).startsWith("GET /deny/x\n");
        assertThat(plain(trusting, "/deny/x", "X-Forwarded-Proto: https").status()).isEqualTo(200);
        assertThat(plain(trusting, "/deny/x").status()).isEqualTo(403);
    }
}
