package dev.ballast.dataplane.tls;

import static dev.ballast.dataplane.tls.TlsTesting.echoedOne;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.ballast.certificates.TestCa;
import dev.ballast.config.Cidr;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.observability.testing.CollectedSpans;
import dev.ballast.observability.testing.PrometheusText;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * PROXY protocol (v1 and v2) on the plain and the TLS listener: from one of {@code --trusted-proxies}, the address the
 * header carries is the client's for the backend's forwarding headers, the access log and the spans, and whose
 * forwarding headers are believed is decided on it; from anyone else, a header is refused and never believed. Two
 * replicas: one trusting loopback (the test's balancer) and 192.0.2.0/24, one trusting only 10.0.0.0/8. Headers are
 * written as raw bytes, v2's built here, over plain sockets (then TLS over the same socket).
 */
class ProxyProtocolTest {

    private static final String HOST = "shop.example.com";
    private static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    static Path dir;
    static TestCa ca;
    static HttpServer backend;
    /** Requests the backend received. */
    static final AtomicInteger reached = new AtomicInteger();
    static final CollectedSpans spans = new CollectedSpans();
    static final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
    static final Logger accessLogger = (Logger) LoggerFactory.getLogger("ballast.access");
    static DataplaneServer trusting;
    static DataplaneServer untrusting;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "Ballast PROXY Protocol CA");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        ca.issue(HOST).writePem(certs, "shop");
        backend = TestReplicas.backend(exchange -> {
            reached.incrementAndGet();
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            StringBuilder seen = new StringBuilder();
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(value ->
                    seen.append(name.toLowerCase(Locale.ROOT)).append(": ").append(value).append('\n')));
            byte[] bytes = seen.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        accessLines.start();
        accessLogger.setLevel(Level.INFO);
        accessLogger.setAdditive(false);
        accessLogger.addAppender(accessLines);
        trusting = replica("trusting", List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("192.0.2.0/24")),
                Telemetry.forTests("ballast-dataplane", spans));
        untrusting = replica("untrusting", List.of(Cidr.parse("10.0.0.0/8")),
                Telemetry.forTests("ballast-dataplane", new CollectedSpans()));
    }

    /** A replica with a plain and a TLS listener, the access log on, the echo route in force. */
    private static DataplaneServer replica(String name, List<Cidr> trustedProxies, Telemetry telemetry)
            throws Exception {
        DataplaneConfig.Tls tls = new DataplaneConfig.Tls(List.of(new HostPort("127.0.0.1", 0)),
                Optional.of(dir.resolve("certs")), Optional.empty());
        DataplaneServer server = new DataplaneServer(TestReplicas.withAccessLog(TestReplicas.withTls(
                TestReplicas.config(Duration.ofSeconds(5)), tls, Files.createDirectories(dir.resolve(name)),
                trustedProxies)), telemetry);
        try {
            server.start();
            server.apply(TestReplicas.route("echo", "/echo/", backend.getAddress().getPort()), "test");
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    @AfterAll
    static void stop() {
        for (DataplaneServer server : new DataplaneServer[] {trusting, untrusting}) {
            if (server != null) {
                server.close();
            }
        }
        if (backend != null) {
            backend.stop(0);
        }
        accessLogger.detachAppender(accessLines);
        accessLogger.setLevel(null);
        accessLogger.setAdditive(true);
    }

    // ---- from a trusted balancer ----

    @Test
    void aTrustedBalancersV1HeaderMakesTheCarriedAddressTheClients() throws Exception {
        String target = "/echo/v1";
        TlsTesting.Response response = plain(trusting, v1("TCP4 198.51.100.7 127.0.0.1 51234 80"),
                TlsTesting.get(target, HOST));

        assertThat(response.status()).isEqualTo(200);
        assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("198.51.100.7");
        assertThat(echoedOne(response.body(), "X-Forwarded-Proto")).isEqualTo("http");
        assertThat(accessLine(target)).startsWith("198.51.100.7 \"GET " + target + "\" 200 ");
    }

    @Test
    void aTrustedBalancersV2HeaderOverTcp4MakesTheCarriedAddressTheClients() throws Exception {
        String target = "/echo/v2-tcp4";
        TlsTesting.Response response = plain(trusting, v2Proxy("198.51.100.8", "127.0.0.1", 40000, 80),
                TlsTesting.get(target, HOST));

        assertThat(response.status()).isEqualTo(200);
        assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("198.51.100.8");
        assertThat(accessLine(target)).startsWith("198.51.100.8 ");
    }

    @Test
    void aTrustedBalancersV2HeaderOverTcp6MakesTheCarriedAddressTheClients() throws Exception {
        String target = "/echo/v2-tcp6";
        TlsTesting.Response response = plain(trusting, v2Proxy("2001:db8::7", "2001:db8::1", 40000, 80),
                TlsTesting.get(target, HOST, "Forwarded: for=203.0.113.9"));
        String client = InetAddress.getByName("2001:db8::7").getHostAddress();

        assertThat(response.status()).isEqualTo(200);
        assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo(client);
        assertThat(echoedOne(response.body(), "Forwarded")).startsWith("for=\"[" + client + "]\";proto=http;");
        assertThat(accessLine(target)).startsWith(client + " ");
    }

    @Test
    void aHeaderArrivingInPiecesIsReadWhole() throws Exception {
        byte[] header = v2Proxy("198.51.100.10", "127.0.0.1", 40000, 80);
        try (Socket socket = TlsTesting.plain(TlsTesting.plainPort(trusting))) {
            OutputStream out = socket.getOutputStream();
            for (int[] piece : new int[][] {{0, 3}, {3, 13}, {13, 20}, {20, header.length}}) {
                out.write(header, piece[0], piece[1] - piece[0]);
                out.flush();
                Thread.sleep(50); // each piece its own read
            }
            TlsTesting.Response response = TlsTesting.exchange(socket, TlsTesting.get("/echo/pieces", HOST));

            assertThat(response.status()).isEqualTo(200);
            assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("198.51.100.10");
        }
    }

    @Test
    void aTrustedBalancersV2HeaderThenATlsHandshakeServesTheCarriedAddress() throws Exception {
        String target = "/echo/tls";
        try (Socket raw = TlsTesting.plain(TlsTesting.tlsPort(trusting))) {
            raw.getOutputStream().write(v2Proxy("198.51.100.11", "127.0.0.1", 40000, 443));
            raw.getOutputStream().flush();
            try (SSLSocket tls = overTls(raw)) {
                TlsTesting.Response response = TlsTesting.exchange(tls, TlsTesting.get(target, HOST));

                assertThat(response.status()).isEqualTo(200);
                assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("198.51.100.11");
                assertThat(echoedOne(response.body(), "X-Forwarded-Proto")).isEqualTo("https");
            }
        }
        assertThat(accessLine(target)).startsWith("198.51.100.11 ");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(spans.spans())
                .filteredOn(s -> "198.51.100.11".equals(s.getAttributes().get(CLIENT_ADDRESS)))
                .extracting(SpanData::getName).contains("TLS handshake", "GET echo"));
    }

    @Test
    void aTrustedBalancerMaySendNoHeader() throws Exception {
        TlsTesting.Response plain = plain(trusting, new byte[0], TlsTesting.get("/echo/none", HOST,
                "X-Forwarded-For: 203.0.113.9"));
        assertThat(plain.status()).isEqualTo(200);
        assertThat(echoedOne(plain.body(), "X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");

        try (SSLSocket tls = TlsTesting.connect(TlsTesting.trusting(ca.rootFile()), TlsTesting.tlsPort(trusting),
                HOST)) {
            TlsTesting.Response overTls = TlsTesting.exchange(tls, TlsTesting.get("/echo/none", HOST));
            assertThat(overTls.status()).isEqualTo(200);
            assertThat(echoedOne(overTls.body(), "X-Forwarded-For")).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void afterATrustedBalancersHeaderTheClientsOwnForwardingHeadersAreNotBelieved() throws Exception {
        TlsTesting.Response response = plain(trusting, v1("TCP4 198.51.100.9 127.0.0.1 51234 80"),
                TlsTesting.get("/echo/claims", HOST, "X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https",
                        "X-Forwarded-Host: public.example.com", "Forwarded: for=203.0.113.9;proto=https"));

        assertThat(response.status()).isEqualTo(200);
        String seen = response.body();
        TlsTesting.assertForwarding(seen, "198.51.100.9", "http", HOST,
                "for=198.51.100.9;proto=http;host=\"" + HOST + "\"");
        assertThat(seen).doesNotContain("203.0.113.9").doesNotContain("public.example.com");
    }

    @Test
    void aCarriedAddressThatIsATrustedProxyHasItsForwardingHeadersBelieved() throws Exception {
        TlsTesting.Response response = plain(trusting, v2Proxy("192.0.2.7", "127.0.0.1", 40000, 80),
                TlsTesting.get("/echo/inner-proxy", HOST, "X-Forwarded-For: 203.0.113.9"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("203.0.113.9, 192.0.2.7");
    }

    @Test
    void aHeaderThatNamesNoClientLeavesTheConnectionsOwnAddress() throws Exception {
        byte[] local = concat(V2_SIGNATURE, new byte[] {0x20, 0x00, 0x00, 0x00}); // v2 LOCAL, no address
        for (byte[] header : List.of(v1("UNKNOWN"), local)) {
            TlsTesting.Response response = plain(trusting, header, TlsTesting.get("/echo/unknown", HOST));

            assertThat(response.status()).isEqualTo(200);
            assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void aMalformedHeaderFromATrustedSourceClosesTheConnection() throws Exception {
        double invalid = proxyProtocolCount(trusting, "invalid");
        int before = reached.get();
        byte[] badVersion = v2Proxy("198.51.100.12", "127.0.0.1", 40000, 80);
        badVersion[12] = 0x31; // version 3
        for (byte[] header : List.of(v1("TCP4 not-an-address 127.0.0.1 51234 80"), v1("TCP4 " + "9".repeat(120)),
                badVersion)) {
            assertThat(rawExchange(TlsTesting.plainPort(trusting), header, TlsTesting.get("/echo/bad", HOST)))
                    .as("closed without an answer").isEmpty();
        }
        assertThat(rawExchange(TlsTesting.tlsPort(trusting), v1("TCP4 198.51.100.300 127.0.0.1 1 2"), new byte[0]))
                .isEmpty();

        assertThat(reached.get()).isEqualTo(before);
        assertThat(proxyProtocolCount(trusting, "invalid")).isEqualTo(invalid + 4);
    }

    @Test
    void aHeaderNotCompleteWithinTheRequestTimeoutClosesTheConnection() throws Exception {
        try (Socket socket = TlsTesting.plain(TlsTesting.plainPort(trusting))) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write("PROXY TCP4 198.51.100.13".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            long start = System.nanoTime();

            assertThat(socket.getInputStream().read()).as("closed").isEqualTo(-1);
            // --timeout-http-request is 5 s in these replicas
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(4),
                    Duration.ofSeconds(10));
        }
    }

    // ---- from anyone else ----

    @Test
    void anUntrustedSourcesHeaderIsRefusedWith400OnThePlainListener() throws Exception {
        double refused = proxyProtocolCount(untrusting, "refused");
        int before = reached.get();
        for (byte[] header : List.of(v1("TCP4 198.51.100.7 127.0.0.1 51234 80"),
                v2Proxy("198.51.100.7", "127.0.0.1", 40000, 80))) {
            String answer = new String(rawExchange(TlsTesting.plainPort(untrusting), header,
                    TlsTesting.get("/echo/refused", HOST)), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("Connection: close")
                    .contains("PROXY protocol header is accepted only from the trusted proxies");
        }
        assertThat(reached.get()).as("the backend was never reached").isEqualTo(before);
        assertThat(proxyProtocolCount(untrusting, "refused")).isEqualTo(refused + 2);
    }

    @Test
    void anUntrustedSourcesHeaderIsClosedOnTheTlsListener() throws Exception {
        double refused = proxyProtocolCount(untrusting, "refused");
        int before = reached.get();
        try (Socket raw = TlsTesting.plain(TlsTesting.tlsPort(untrusting))) {
            raw.getOutputStream().write(v2Proxy("198.51.100.7", "127.0.0.1", 40000, 443));
            raw.getOutputStream().flush();
            assertThat(raw.getInputStream().readAllBytes()).as("closed without a byte").isEmpty();
        }

        assertThat(reached.get()).isEqualTo(before);
        assertThat(proxyProtocolCount(untrusting, "refused")).isEqualTo(refused + 1);
    }

    @Test
    void anUntrustedClientWithoutHeaderIsServedAsBefore() throws Exception {
        TlsTesting.Response response = plain(untrusting, new byte[0], TlsTesting.get("/echo/plain", HOST,
                "X-Forwarded-For: 203.0.113.9"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(echoedOne(response.body(), "X-Forwarded-For")).isEqualTo("127.0.0.1");
        // a method that starts like the v1 signature is no header
        assertThat(plain(untrusting, new byte[0], "PROPFIND /echo/p HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n").status())
                .isEqualTo(200);
    }

    // ---- helpers ----

    /** Writes {@code header} then {@code request} in one write on the plain listener, reads one response. */
    private static TlsTesting.Response plain(DataplaneServer server, byte[] header, String request)
            throws IOException {
        try (Socket socket = TlsTesting.plain(TlsTesting.plainPort(server))) {
            socket.getOutputStream().write(concat(header, request.getBytes(StandardCharsets.ISO_8859_1)));
            socket.getOutputStream().flush();
            return TlsTesting.read(socket.getInputStream());
        }
    }

    /** Everything the replica sends back for {@code header} and {@code request}, until it closes. */
    private static byte[] rawExchange(int port, byte[] header, String request) throws IOException {
        return rawExchange(port, header, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static byte[] rawExchange(int port, byte[] header, byte[] request) throws IOException {
        try (Socket socket = TlsTesting.plain(port)) {
            socket.getOutputStream().write(concat(header, request));
            socket.getOutputStream().flush();
            return socket.getInputStream().readAllBytes();
        }
    }

    /** A TLS client over {@code raw} (its PROXY header sent), handshake done, naming {@link #HOST}. */
    private static SSLSocket overTls(Socket raw) throws Exception {
        SSLSocket tls = (SSLSocket) TlsTesting.trusting(ca.rootFile()).getSocketFactory()
                .createSocket(raw, "127.0.0.1", raw.getPort(), false);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(HOST)));
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    /** A v1 header: {@code PROXY <rest>\r\n}. */
    private static byte[] v1(String rest) {
        return ("PROXY " + rest + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 header, command PROXY over TCP, from {@code source} to {@code destination} (both IPv4 or both IPv6). */
    private static byte[] v2Proxy(String source, String destination, int sourcePort, int destinationPort)
            throws IOException {
        byte[] from = InetAddress.getByName(source).getAddress();
        byte[] to = InetAddress.getByName(destination).getAddress();
        ByteBuffer addresses = ByteBuffer.allocate(from.length * 2 + 4).put(from).put(to)
                .putShort((short) sourcePort).putShort((short) destinationPort);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(V2_SIGNATURE);
        header.write(0x21); // version 2, command PROXY
        header.write(from.length == 4 ? 0x11 : 0x21); // TCP over IPv4 or IPv6
        header.write(addresses.capacity() >> 8);
        header.write(addresses.capacity() & 0xFF);
        header.write(addresses.array());
        return header.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** The access-log line of the request for {@code target} (logged as the response leaves: awaited). */
    private static String accessLine(String target) {
        return await().atMost(Duration.ofSeconds(5)).until(() -> {
            synchronized (accessLines) {
                return accessLines.list.stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(line -> line.contains("\"GET " + target + "\"")).findFirst().orElse(null);
            }
        }, line -> line != null);
    }

    private static double proxyProtocolCount(DataplaneServer server, String result) throws Exception {
        return PrometheusText.sum(TlsTesting.metrics(server), "ballast_proxy_protocol_total",
                Map.of("result", result));
    }
}
