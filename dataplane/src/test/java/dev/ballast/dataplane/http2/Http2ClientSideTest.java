package dev.ballast.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.certificates.TestCa;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.config.HostPort;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 from clients, with {@code curl} on loopback against a replica with a plain and a TLS listener and an HTTP/1.1
 * backend: ALPN {@code h2} on TLS, prior knowledge and {@code Upgrade: h2c} on plain, bodies both ways, the same
 * routing and forwarding headers as HTTP/1.1, the proxy's own answers, and headers HTTP/2 forbids left out.
 */
class Http2ClientSideTest {

    @TempDir
    static Path dir;
    static TestCa ca;
    static HttpServer backend;
    static DataplaneServer server;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "Ballast Test CA");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        ca.issue("localhost").writePem(certs, "localhost");
        backend = TestReplicas.backend(exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            StringBuilder reply = new StringBuilder(exchange.getRequestMethod()).append(' ')
                    .append(exchange.getRequestURI()).append('\n')
                    .append("body: ").append(body.length).append(' ').append(sha256(body)).append('\n');
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(value ->
                    reply.append(name.toLowerCase(Locale.ROOT)).append(": ").append(value).append('\n')));
            exchange.getResponseHeaders().add("Keep-Alive", "timeout=5");
            exchange.getResponseHeaders().add("X-From-Backend", "yes");
            byte[] bytes = reply.toString().getBytes(StandardCharsets.UTF_8);
            if (exchange.getRequestURI().getPath().startsWith("/app/chunked")) {
                exchange.sendResponseHeaders(200, 0); // chunked
            } else {
                exchange.sendResponseHeaders(200, bytes.length);
            }
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        DataplaneConfig.Tls tls = new DataplaneConfig.Tls(List.of(new HostPort("127.0.0.1", 0)), Optional.of(certs),
                Optional.empty());
        server = new DataplaneServer(TestReplicas.withTls(TestReplicas.config(Duration.ofSeconds(5)), tls,
                Files.createDirectories(dir.resolve("secrets")), List.of()));
        server.start();
        server.apply(TestReplicas.route("app", "/app/", backend.getAddress().getPort()), "test");
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

    @Test
    void priorKnowledgeOnThePlainListener() throws Exception {
        Curl got = curl("--http2-prior-knowledge", plain("/app/one?x=1"));
        assertThat(got.version()).isEqualTo("2");
        assertThat(got.body()).startsWith("GET /app/one?x=1\n").contains("host: localhost:" + plainPort())
                .contains("x-forwarded-for: 127.0.0.1").contains("x-forwarded-proto: http");
        assertThat(got.headers()).contains("x-from-backend: yes").doesNotContain("keep-alive")
                .doesNotContain("connection:");
    }

    @Test
    void upgradeFromHttp11ToH2c() throws Exception {
        Curl got = curl("--http2", plain("/app/upgraded"));
        assertThat(got.version()).as(got.verbose()).isEqualTo("2");
        assertThat(got.body()).startsWith("GET /app/upgraded\n").doesNotContain("http2-settings")
                .doesNotContain("upgrade:");
        assertThat(got.verbose()).contains("101 Switching Protocols");
    }

    @Test
    void anUpgradeToH2cThatCannotSwitchIsServedOverHttp11AndNotForwarded() throws Exception {
        String withBody = http11("POST /app/upgrade-with-body HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
                + "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
        String badSettings = http11("GET /app/upgrade-bad-settings HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: !!!\r\n\r\n");
        for (String answer : List.of(withBody, badSettings)) {
            assertThat(answer).startsWith("HTTP/1.1 200 ").doesNotContain("upgrade: h2c")
                    .doesNotContain("http2-settings:");
        }
        assertThat(withBody).contains("body: 5 ");
    }

    /** Sends {@code request} as it is on a connection of its own; what came back until the proxy closed it. */
    static String http11(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", plainPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT)
                    .replace("http/1.1 200", "HTTP/1.1 200");
        }
    }

    @Test
    void alpnH2OnTheTlsListener() throws Exception {
        Curl got = curl("--http2", "--cacert", ca.rootFile().toString(), "https://localhost:" + tlsPort()
                + "/app/secure");
        assertThat(got.version()).isEqualTo("2");
        assertThat(got.body()).startsWith("GET /app/secure\n").contains("x-forwarded-proto: https");
    }

    @Test
    void requestBodiesOfKnownAndUnknownLengthReachTheBackendWhole() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(body);
        Path file = dir.resolve("upload.bin");
        Files.write(file, body);
        Curl known = curl("--http2-prior-knowledge", "--data-binary", "@" + file, plain("/app/upload"));
        assertThat(known.body()).startsWith("POST /app/upload\n")
                .contains("body: " + body.length + " " + sha256(body));
        // from a pipe, curl sends no content-length: the proxy frames it chunked for the HTTP/1.1 backend
        Curl unknown = curl("--http2-prior-knowledge", "-T", "-", "--stdin-file", file.toString(),
                plain("/app/upload"));
        assertThat(unknown.body()).contains("body: " + body.length + " " + sha256(body))
                .contains("transfer-encoding: chunked");
    }

    @Test
    void aChunkedResponseArrivesWhole() throws Exception {
        Curl got = curl("--http2-prior-knowledge", plain("/app/chunked"));
        assertThat(got.version()).isEqualTo("2");
        assertThat(got.body()).startsWith("GET /app/chunked\n");
        assertThat(got.headers()).doesNotContain("transfer-encoding");
    }

    @Test
    void theProxysOwnAnswersGoOverHttp2() throws Exception {
        Curl missing = curl("--http2-prior-knowledge", plain("/nowhere"));
        assertThat(missing.version()).isEqualTo("2");
        assertThat(missing.status()).isEqualTo(404);
        Curl head = curl("--http2-prior-knowledge", "-I", plain("/nowhere"));
        assertThat(head.status()).isEqualTo(404);
        assertThat(head.headers()).contains("content-length:");
        assertThat(head.body()).doesNotContain("no route"); // -I: the body file holds the head, and no body follows
    }

    // ---- helpers ----

    static int plainPort() {
        return server.trafficAddress().getPort();
    }

    static int tlsPort() {
        return server.tlsAddresses().get(0).getPort();
    }

    static String plain(String target) {
        return "http://localhost:" + plainPort() + target;
    }

    record Curl(int exit, int status, String version, String headers, String body, String verbose) {
    }

    /** Runs curl; the status, HTTP version, headers (lower case) and body of the last response. */
    static Curl curl(String... args) throws IOException, InterruptedException {
        Path headers = Files.createTempFile(dir, "headers", ".txt");
        Path body = Files.createTempFile(dir, "body", ".txt");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-v", "--max-time", "10", "-D",
                headers.toString(), "-w", "%{http_code} %{http_version}"));
        boolean output = false;
        for (String arg : args) {
            output |= arg.equals("-o");
        }
        if (!output) {
            command.add("-o");
            command.add(body.toString());
        }
        String stdin = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--stdin-file")) {
                stdin = args[++i];
            } else {
                command.add(args[i]);
            }
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        if (stdin != null) {
            builder.redirectInput(Path.of(stdin).toFile());
        }
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        builder.redirectError(err.toFile());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("curl did not finish: " + command);
        }
        String[] written = out.trim().split(" ");
        int status = written.length == 2 ? Integer.parseInt(written[0]) : 0;
        String version = written.length == 2 ? written[1] : "";
        return new Curl(process.exitValue(), status, version,
                Files.readString(headers).toLowerCase(Locale.ROOT), Files.readString(body), Files.readString(err));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
