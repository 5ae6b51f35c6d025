package dev.ballast.dataplane.tls;

import static dev.ballast.dataplane.tls.TlsTesting.echoedOne;
import static dev.ballast.dataplane.tls.TlsTesting.served;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.certificates.TestCa;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.testing.PrometheusText;
import dev.ballast.schema.Snapshot;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS listener with real TLS clients on loopback: the JDK's {@code HttpClient} and {@code SSLSocket},
 * {@code curl} and {@code openssl s_client}, all trusting a CA the test makes with {@code openssl}. Certificate
 * selection by SNI (exact, wildcard, default), a listener without any certificate, plain HTTP on the TLS port, and
 * the protocols, ALPN and session resumption offered.
 */
class HttpsListenerTest {

    private static final String HTTP_GET = "GET /over-s_client HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    @TempDir
    static Path dir;
    static TestCa ca;
    static SSLContext trustingCa;
    static HttpServer backend;
    static Path certs;
    static DataplaneServer server;
    /** The serial number of each certificate in {@code certs}, by file name. */
    static BigInteger localhost;
    static BigInteger shop;
    static BigInteger wildcard;
    static BigInteger fallback;
    static Snapshot snapshot;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "Ballast Test CA");
        trustingCa = TlsTesting.trusting(ca.rootFile());
        certs = Files.createDirectories(dir.resolve("certs"));
        localhost = serial(ca.issue("localhost").writePem(certs, "localhost"));
        shop = serial(ca.issue("shop.example.com", "www.shop.example.com").writePem(certs, "shop"));
        // first by name: without --default-cert, this one is the default
        wildcard = serial(ca.issue("*.api.example.com").writePem(certs, "api-wildcard"));
        fallback = serial(ca.issue("fallback.example.com").writePem(certs, "fallback"));
        backend = TlsTesting.echoBackend();
        snapshot = TestReplicas.route("echo", "/", backend.getAddress().getPort());
        server = TlsTesting.replica(certs, "fallback.pem", Files.createDirectories(dir.resolve("secrets")), List.of(),
                snapshot);
    }

    private static BigInteger serial(Path pem) throws Exception {
        return TlsTesting.serialOf(Files.readString(pem));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    static int port() {
        return TlsTesting.tlsPort(server);
    }

    static double handshakes(DataplaneServer replica, String result) throws Exception {
        return PrometheusText.sum(TlsTesting.metrics(replica), "ballast_tls_handshakes_total",
                Map.of("result", result));
    }

    @Test
    void jdkHttpClientTrustingTheCaGetsTheBackendWhichSeesHttpsAndTheHandshakeIsCounted() throws Exception {
        double before = handshakes(server, "ok");
        HttpClient client = HttpClient.newBuilder().sslContext(trustingCa).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TlsTesting.IO_TIMEOUT).build();

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + port() + "/hello?x=1")).timeout(TlsTesting.IO_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("GET /hello?x=1\n");
        assertThat(echoedOne(response.body(), "X-Forwarded-Proto")).isEqualTo("https");
        assertThat(echoedOne(response.body(), "X-Forwarded-Host")).isEqualTo("localhost:" + port());
        assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(response.sslSession()).hasValueSatisfying(session ->
                assertThat(session.getProtocol()).isIn("TLSv1.3", "TLSv1.2"));

        List<PrometheusText.Sample> samples = TlsTesting.metrics(server);
        assertThat(PrometheusText.sum(samples, "ballast_tls_handshakes_total", Map.of("result", "ok")))
                .isGreaterThanOrEqualTo(before + 1);
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("ballast_tls_handshakes_total");
            assertThat(s.labels()).containsEntry("result", "ok").containsKey("tls_protocol_version");
        });
        long notAfter = TlsTesting.certificate(Files.readString(certs.resolve("localhost.pem"))).getNotAfter()
                .toInstant().getEpochSecond();
        assertThat(PrometheusText.sum(samples, "ballast_tls_certificate_not_after_seconds",
                Map.of("certificate", "localhost"))).isEqualTo((double) notAfter);
    }

    @Test
    void curlTrustingTheCaGets200ForANameResolvedToTheReplica() throws Exception {
        TlsTesting.Run curl = TlsTesting.run(null, List.of("curl", "-sS", "--max-time", "10", "--cacert",
                ca.rootFile().toString(), "--resolve", "shop.example.com:" + port() + ":127.0.0.1",
                "-w", "\nstatus=%{http_code}", "https://shop.example.com:" + port() + "/basket"));

        assertThat(curl.exit()).as(curl.output()).isZero();
        assertThat(curl.output()).startsWith("GET /basket\n").endsWith("\nstatus=200");
        assertThat(echoedOne(curl.output(), "X-Forwarded-Proto")).isEqualTo("https");
        assertThat(echoedOne(curl.output(), "X-Forwarded-Host")).isEqualTo("shop.example.com:" + port());
    }

    @Test
    void jdkClientsGetTheExactNameThenTheWildcardElseTheDefaultCertificate() throws Exception {
        assertThat(served(ca.rootFile(), port(), "shop.example.com").getSerialNumber()).isEqualTo(shop);
        assertThat(served(ca.rootFile(), port(), "www.shop.example.com").getSerialNumber()).isEqualTo(shop);
        assertThat(served(ca.rootFile(), port(), "SHOP.Example.COM").getSerialNumber()).isEqualTo(shop);
        assertThat(served(ca.rootFile(), port(), "localhost").getSerialNumber()).isEqualTo(localhost);
        assertThat(served(ca.rootFile(), port(), "v2.api.example.com").getSerialNumber()).isEqualTo(wildcard);
        // a wildcard covers one label only
        assertThat(served(ca.rootFile(), port(), "a.b.api.example.com").getSerialNumber()).isEqualTo(fallback);
        assertThat(served(ca.rootFile(), port(), "api.example.com").getSerialNumber()).isEqualTo(fallback);
        assertThat(served(ca.rootFile(), port(), "unknown.example.org").getSerialNumber()).isEqualTo(fallback);
        assertThat(served(ca.rootFile(), port(), null).getSerialNumber()).isEqualTo(fallback);
    }

    @Test
    void opensslGetsTheExactNameThenTheWildcardElseTheDefaultCertificate() throws Exception {
        assertThat(sni("shop.example.com")).isEqualTo("CN = shop.example.com");
        assertThat(sni("www.shop.example.com")).isEqualTo("CN = shop.example.com");
        assertThat(sni("v2.api.example.com")).isEqualTo("CN = *.api.example.com");
        assertThat(sni("unknown.example.org")).isEqualTo("CN = fallback.example.com");
        TlsTesting.Run none = TlsTesting.sClient(port(), null, "-noservername");
        assertThat(none.exit()).as(none.output()).isZero();
        assertThat(none.subject()).isEqualTo("CN = fallback.example.com");
    }

    private static String sni(String name) throws Exception {
        TlsTesting.Run run = TlsTesting.sClient(port(), null, "-servername", name);
        assertThat(run.exit()).as(run.output()).isZero();
        return run.subject();
    }

    @Test
    void withoutDefaultCertTheFirstCertificateByNameIsTheDefault() throws Exception {
        try (DataplaneServer noDefault = TlsTesting.replica(certs, null,
                Files.createDirectories(dir.resolve("secrets-none")), List.of(), snapshot)) {
            int port = TlsTesting.tlsPort(noDefault);
            assertThat(served(ca.rootFile(), port, null).getSerialNumber()).isEqualTo(wildcard);
            assertThat(served(ca.rootFile(), port, "unknown.example.org").getSerialNumber()).isEqualTo(wildcard);
            assertThat(served(ca.rootFile(), port, "shop.example.com").getSerialNumber()).isEqualTo(shop);
        }
    }

    @Test
    void withNoCertificateHandshakesFailWhileThePlainListenerServesUntilOneArrives() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-certs"));
        try (DataplaneServer bare = TlsTesting.replica(empty, null,
                Files.createDirectories(dir.resolve("secrets-bare")), List.of(), snapshot)) {
            int port = TlsTesting.tlsPort(bare);
            assertThatThrownBy(() -> served(ca.rootFile(), port, "localhost")).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> served(ca.rootFile(), port, null)).isInstanceOf(IOException.class);
            assertThat(handshakes(bare, "failed")).isGreaterThanOrEqualTo(2);

            HttpResponse<String> ready = TlsTesting.admin(bare, "/readyz");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            try (Socket plain = TlsTesting.plain(TlsTesting.plainPort(bare))) {
                TlsTesting.Response response = TlsTesting.exchange(plain, TlsTesting.get("/plain", "localhost"));
                assertThat(response.status()).isEqualTo(200);
                assertThat(echoedOne(response.body(), "X-Forwarded-Proto")).isEqualTo("http");
            }

            BigInteger late = serial(ca.issue("localhost").writePem(empty, "late"));
            long written = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> served(ca.rootFile(), port, "localhost").getSerialNumber().equals(late));
            assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThan(Duration.ofSeconds(2));
            assertThat(served(ca.rootFile(), port, null).getSerialNumber()).isEqualTo(late);
        }
    }

    @Test
    void plainHttpOnTheTlsPortGetsA400SayingItIsAnHttpsPort() throws Exception {
        double before = handshakes(server, "plaintext");

        String answer = TlsTesting.rawExchange(port(), "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 400 ");
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertThat(body).contains("HTTPS").contains("https://");
        assertThat(handshakes(server, "plaintext")).isEqualTo(before + 1);
        // the listener is none the worse for it
        assertThat(served(ca.rootFile(), port(), "localhost").getSerialNumber()).isEqualTo(localhost);
    }

    @Test
    void tls12AndTls13AreServedAndTls11IsRefusedWithAProtocolVersionAlert() throws Exception {
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            TlsTesting.Run run = TlsTesting.sClient(port(), HTTP_GET, "-servername", "localhost", version);
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(run.output()).contains("New, TLSv1." + version.charAt(version.length() - 1) + ",")
                    .contains("HTTP/1.1 200 ").contains("GET /over-s_client");
        }
        TlsTesting.Run old = TlsTesting.sClient(port(), null, "-servername", "localhost", "-tls1_1",
                "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(old.exit()).as(old.output()).isNotZero();
        assertThat(old.output()).contains("alert protocol version");
        // TLS 1.2 without forward secrecy or with CBC: not in Mozilla's intermediate list
        TlsTesting.Run cbc = TlsTesting.sClient(port(), null, "-servername", "localhost", "-tls1_2",
                "-cipher", "ECDHE-ECDSA-AES128-SHA:AES128-GCM-SHA256");
        assertThat(cbc.exit()).as(cbc.output()).isNotZero();
        assertThat(cbc.output()).contains("alert handshake failure");
    }

    @Test
    void alpnSelectsHttp2WhereOfferedElseHttp11() throws Exception {
        for (Map.Entry<String, String> offered : Map.of("http/1.1", "http/1.1", "h2,http/1.1", "h2",
                "http/1.1,h2", "h2").entrySet()) {
            TlsTesting.Run run = TlsTesting.sClient(port(), null, "-servername", "localhost", "-alpn",
                    offered.getKey());
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(run.output()).contains("ALPN protocol: " + offered.getValue());
        }
    }

    @Test
    void sessionsResumeOverTls12AndTls13() throws Exception {
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            Path session = dir.resolve("session" + version);
            TlsTesting.Run first = TlsTesting.sClient(port(), HTTP_GET, "-servername", "localhost", version,
                    "-sess_out", session.toString());
            assertThat(first.exit()).as(first.output()).isZero();
            assertThat(first.output()).contains("New, TLSv1.");
            assertThat(session).isNotEmptyFile();

            TlsTesting.Run second = TlsTesting.sClient(port(), HTTP_GET, "-servername", "localhost", version,
                    "-sess_in", session.toString());
            assertThat(second.exit()).as(second.output()).isZero();
            assertThat(second.output()).as(version).contains("Reused, TLSv1.").contains("HTTP/1.1 200 ");
        }
    }

    /**
     * RFC 6066, section 3: a server "MUST NOT accept the request to resume the session if the server_name extension
     * contains a different name". Today every certificate's context shares Netty's session-id context and the
     * replica's ticket keys, so a session made for shop.example.com resumes for localhost, and the client sees
     * shop.example.com's certificate (TLS 1.3 likewise).
     */
    @Test
    void aSessionIsNotResumedForAnotherServerName() throws Exception {
        Path session = dir.resolve("session-cross-sni");
        TlsTesting.Run first = TlsTesting.sClient(port(), HTTP_GET, "-servername", "shop.example.com", "-tls1_2",
                "-sess_out", session.toString());
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.subject()).isEqualTo("CN = shop.example.com");

        TlsTesting.Run second = TlsTesting.sClient(port(), HTTP_GET, "-servername", "localhost", "-tls1_2",
                "-sess_in", session.toString());
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(second.output()).contains("New, TLSv1.2,").doesNotContain("Reused,");
        assertThat(second.subject()).isEqualTo("CN = localhost");
    }

    @Test
    void aKeepAliveConnectionCarriesSeveralRequests() throws Exception {
        try (SSLSocket socket = TlsTesting.connect(trustingCa, port(), "shop.example.com")) {
            for (int i = 0; i < 3; i++) {
                TlsTesting.Response response = TlsTesting.exchange(socket,
                        TlsTesting.get("/again/" + i, "shop.example.com"));
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).startsWith("GET /again/" + i + "\n");
            }
        }
    }
}
