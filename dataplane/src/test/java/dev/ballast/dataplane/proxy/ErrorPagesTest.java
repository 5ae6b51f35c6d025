package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --error-pages}: the operator's pages stand in for the bodies of the proxy's own error answers, with their
 * status and headers; statuses without a page, and redirects, keep the built-in text; files that cannot be pages are
 * reported and left out, and the replica serves anyway.
 */
class ErrorPagesTest {

    private static final String NOT_FOUND = "<html><body><h1>Nothing here</h1><p>é</p></body></html>\n";
    private static final String UNAVAILABLE = "<html><body>Back soon</body></html>";
    private static final String NOT_ALLOWED = "<html><body>Not like that</body></html>";
    private static final String UNAUTHORIZED = "<html><body>Who are you?</body></html>";

    @TempDir
    static Path pages;
    private static DataplaneServer server;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(pages.resolve("404.html"), NOT_FOUND);
        Files.writeString(pages.resolve("503.html"), UNAVAILABLE);
        Files.writeString(pages.resolve("405.html"), NOT_ALLOWED);
        Files.writeString(pages.resolve("401.html"), UNAUTHORIZED);
        Files.write(pages.resolve("502.html"), new byte[ErrorPages.MAX_PAGE_BYTES + 1]); // too large: left out
        Files.writeString(pages.resolve("999.html"), "never");
        Files.writeString(pages.resolve("301.html"), "redirects keep theirs");
        Files.writeString(pages.resolve("500.html"), "the proxy answers no 500");
        Files.writeString(pages.resolve("foo.html"), "not a status");
        Files.writeString(pages.resolve("400.http"), "HTTP/1.0 400 Bad request\r\n\r\n");
        Files.createDirectory(pages.resolve("403.html"));
        Files.writeString(pages.resolve(".hidden"), "passed over");
        int deadPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            deadPort = probe.getLocalPort();
        }
        server = new DataplaneServer(TestReplicas.withErrorPages(TestReplicas.config(Duration.ofSeconds(2)), pages));
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: empty }
                spec: { service: nothing-running, rules: [{ paths: [/empty/], port: 80 }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: dead }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  retries: { attempts: 0 }
                  rules:
                    - paths: [/dead/]
                      methods: { deny: [DELETE] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: private }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/private/], auth: { users: [{ name: ops, password: pw }] } }]
                """.formatted(deadPort, deadPort)), "test");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void filesThatCannotBePagesAreReportedByNameAndLeftOut() {
        ErrorPages loaded = ErrorPages.load(pages);
        assertThat(loaded.statuses()).containsExactly(401, 404, 405, 503);
        assertThat(loaded.problems()).hasSize(7);
        assertThat(loaded.problems()).anySatisfy(p -> assertThat(p).startsWith("502.html: larger than 1024 KiB"))
                .anySatisfy(p -> assertThat(p).startsWith("999.html: 999 is not an error status the proxy answers"))
                .anySatisfy(p -> assertThat(p).startsWith("301.html: 301 is not an error status"))
                .anySatisfy(p -> assertThat(p).startsWith("500.html: 500 is not an error status"))
                .anySatisfy(p -> assertThat(p).startsWith("foo.html: not a page"))
                .anySatisfy(p -> assertThat(p).startsWith("400.http: HAProxy error files"))
                .anySatisfy(p -> assertThat(p).startsWith("403.html: not a file"))
                .allSatisfy(p -> assertThat(p).endsWith("; skipped"));
    }

    @Test
    void aMissingDirectoryRefusesTheStartNamingIt() {
        Path missing = pages.resolve("nowhere");
        try (DataplaneServer refused = new DataplaneServer(TestReplicas.withErrorPages(
                TestReplicas.config(Duration.ofSeconds(2)), missing))) {
            assertThatThrownBy(refused::start).isInstanceOf(ErrorPages.DirectoryException.class)
                    .hasMessage("--error-pages " + missing + ": no such directory");
        }
        Path file = pages.resolve("404.html");
        assertThatThrownBy(() -> ErrorPages.load(file)).isInstanceOf(ErrorPages.DirectoryException.class)
                .hasMessage("--error-pages " + file + ": not a directory");
    }

    @Test
    void aPageReplacesTheBodyOfA404AndTheConnectionCarriesOn() throws Exception {
        try (Client client = new Client()) {
            Response response = client.send("GET", "/nowhere", "");
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.header("content-type")).isEqualTo("text/html; charset=utf-8");
            assertThat(response.header("content-length"))
                    .isEqualTo(String.valueOf(NOT_FOUND.getBytes(StandardCharsets.UTF_8).length));
            assertThat(response.body).isEqualTo(NOT_FOUND);
            Response again = client.send("GET", "/nowhere/else", "");
            assertThat(again.body).as("the same page, whole, for every answer").isEqualTo(NOT_FOUND);
            Response head = client.send("HEAD", "/nowhere", "");
            assertThat(head.status()).isEqualTo(404);
            assertThat(head.header("content-length"))
                    .isEqualTo(String.valueOf(NOT_FOUND.getBytes(StandardCharsets.UTF_8).length));
            assertThat(client.send("GET", "/empty/", "").body).as("no body was left after the HEAD's answer")
                    .isEqualTo(UNAVAILABLE);
        }
    }

    @Test
    void a503PageIsServedWithTheStatus() throws Exception {
        try (Client client = new Client()) {
            Response response = client.send("GET", "/empty/x", "");
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.header("content-type")).isEqualTo("text/html; charset=utf-8");
            assertThat(response.body).isEqualTo(UNAVAILABLE);
        }
    }

    @Test
    void theBuiltInAnswersHeadersStay() throws Exception {
        try (Client client = new Client()) {
            Response refused = client.send("DELETE", "/dead/x", "");
            assertThat(refused.status()).isEqualTo(405);
            assertThat(refused.header("allow")).isNotBlank().doesNotContain("DELETE");
            assertThat(refused.body).isEqualTo(NOT_ALLOWED);
            Response unauthorized = client.send("GET", "/private/x", "");
            assertThat(unauthorized.status()).isEqualTo(401);
            assertThat(unauthorized.header("www-authenticate")).startsWith("Basic realm=");
            assertThat(unauthorized.body).isEqualTo(UNAUTHORIZED);
        }
        try (Client client = new Client()) {
            Response closing = client.send("GET", "/nowhere", "Connection: close\r\n");
            assertThat(closing.status()).isEqualTo(404);
            assertThat(closing.header("connection")).isEqualToIgnoringCase("close");
            assertThat(closing.body).isEqualTo(NOT_FOUND);
            assertThat(client.in.read()).as("closed after it").isEqualTo(-1);
        }
    }

    @Test
    void statusesWithoutAPageKeepTheBuiltInText() throws Exception {
        try (Client client = new Client()) {
            Response response = client.send("GET", "/dead/x", "");
            assertThat(response.status()).isEqualTo(502); // its page was too large
            assertThat(response.header("content-type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(response.body).startsWith("route dead: upstream 127.0.0.1:");
        }
        try (Client client = new Client()) {
            client.write("GET /nowhere HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
            Response response = client.read("GET");
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("content-type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(response.body).startsWith("bad request:");
        }
    }

    // ------------------------------------------------------------------------------------------------ client

    private static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;

        Client() throws IOException {
            socket = new Socket("127.0.0.1", server.trafficAddress().getPort());
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
        }

        Response send(String method, String path, String headers) throws IOException {
            write(method + " " + path + " HTTP/1.1\r\nHost: test\r\n" + headers + "\r\n");
            return read(method);
        }

        void write(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        Response read(String method) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                assertThat(b).as("more of the response head").isNotNegative();
                head.write(b);
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            }
            Response response = new Response(head.toString(StandardCharsets.ISO_8859_1));
            String length = response.header("content-length");
            if (!method.equals("HEAD") && length != null) {
                response.body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
            }
            return response;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class Response {
        final String head;
        String body = "";

        Response(String head) {
            this.head = head;
        }

        int status() {
            return Integer.parseInt(head.split(" ", 3)[1]);
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }
}
