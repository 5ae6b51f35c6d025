package dev.ballast.dataplane.proxy;

import static dev.ballast.dataplane.proxy.RawBackend.readHead;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What upstreams send back, byte for byte, and what the client gets: framings (length, chunked with extensions and
 * trailers, to the close, none for HEAD, 204 and 304), interim 1xx answers, header changes, invalid answers, and a
 * large body that must be streamed with backpressure rather than held. The backend is a socket that writes scripted
 * bytes, so each case is exactly what a server could send, split across writes where the split matters.
 */
class UpstreamResponsesTest {

    private static final int BIG = 256 * 1024 * 1024;

    private static RawBackend backend;
    private static DataplaneServer server;
    private static final AtomicLong bigWritten = new AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        backend = RawBackend.start("scripted-backend", UpstreamResponsesTest::serve);
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(3)));
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: scripted }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules:
                    - paths: [/headers]
                      responseHeaders: { remove: [X-Remove-Me], set: { X-Replace: new }, add: { X-Added: "yes" } }
                    - paths: [/]
                """.formatted(backend.port())), "test");
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        backend.close();
    }

    /** Answers each request on the connection with the script its path names, until a script closes it. */
    private static void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String[] requestLine = head.split(" ", 3);
                Response request = new Response(head); // a head's header lines read alike either way
                String length = request.header("content-length");
                int bodyLength = in.readNBytes(length == null ? 0 : Integer.parseInt(length)).length;
                if (requestLine[1].equals("/body")) {
                    String reply = "got " + bodyLength + " bytes, expect=" + request.header("expect");
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + reply.length() + "\r\n\r\n" + reply);
                    out.flush();
                    continue;
                }
                if (!answer(requestLine[0], requestLine[1], out)) {
                    return;
                }
                out.flush();
            }
        } catch (IOException | InterruptedException gone) {
            // the proxy closed the connection
        }
    }

    /** Writes the scripted answer; false when the connection must close after it. */
    private static boolean answer(String method, String path, OutputStream out) throws IOException, InterruptedException {
        switch (path) {
            case "/chunked" -> {
                write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n");
                for (String part : new String[] {"5\r\nhel", "lo\r\n", "6;ext=\"1\"\r\n world\r\n", "0\r\n",
                        "X-Trailer: t\r\n", "\r\n"}) {
                    write(out, part);
                    out.flush();
                    Thread.sleep(20);
                }
            }
            case "/headers" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Hop\r\n"
                    + "X-Hop: secret\r\nKeep-Alive: timeout=5\r\nX-Remove-Me: 1\r\nX-Replace: old\r\nX-Kept: k\r\n\r\nok");
            case "/head" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
                    + ("HEAD".equals(method) ? "" : "x".repeat(1234)));
            case "/no-content" -> write(out, "HTTP/1.1 204 No Content\r\nX-Status: 204\r\n\r\n");
            case "/not-modified" -> write(out, "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
            case "/early-hints" -> {
                write(out, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
                out.flush();
                Thread.sleep(20);
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
            }
            case "/until-close" -> {
                write(out, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
                out.flush();
                Thread.sleep(20);
                write(out, "the close");
                return false;
            }
            case "/broken-chunked" -> { // a good head, then framing no reader can follow, in one write
                write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
                return false;
            }
            case "/hints-then-garbage" -> { // an interim head and an invalid final one, in one write
                write(out, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nSOMETHING ELSE\r\n\r\n");
                return false;
            }
            case "/garbage" -> {
                write(out, "SOMETHING ELSE\r\n\r\n");
                return false;
            }
            case "/huge-head" -> {
                write(out, "HTTP/1.1 200 OK\r\nX-Huge: " + "h".repeat(70_000) + "\r\nContent-Length: 0\r\n\r\n");
                return false;
            }
            case "/big" -> {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + BIG + "\r\n\r\n");
                byte[] block = new byte[64 * 1024];
                for (int sent = 0; sent < BIG; sent += block.length) {
                    out.write(block);
                    bigWritten.addAndGet(block.length);
                }
            }
            default -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ndefault");
        }
        return true;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    }


    /** A connection to the proxy; requests written, responses read back by their framing. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;

        Client() throws IOException {
            socket = new Socket("127.0.0.1", server.trafficAddress().getPort());
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
        }

        Response send(String method, String path) throws IOException {
            write(method + " " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
            return read(method);
        }

        /** Writes {@code text} as it is: a request, or part of one. */
        void write(String text) throws IOException {
            UpstreamResponsesTest.write(socket.getOutputStream(), text);
        }

        /** One response: its head, and its body read as its headers frame it (chunked: decoded, trailers kept). */
        Response read(String method) throws IOException {
            String head = readHead(in);
            assertThat(head).as("a response head").isNotNull();
            Response response = new Response(head);
            int status = response.status();
            if (method.equals("HEAD") || status / 100 == 1 || status == 204 || status == 304) {
                return response;
            }
            String length = response.header("content-length");
            if ("chunked".equalsIgnoreCase(response.header("transfer-encoding"))) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                while (true) {
                    String size = line();
                    int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                    if (n == 0) {
                        break;
                    }
                    body.write(in.readNBytes(n));
                    assertThat(line()).isEmpty();
                }
                StringBuilder trailers = new StringBuilder();
                for (String t = line(); !t.isEmpty(); t = line()) {
                    trailers.append(t).append('\n');
                }
                response.body = body.toString(StandardCharsets.ISO_8859_1);
                response.trailers = trailers.toString();
            } else if (length != null) {
                response.body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.ISO_8859_1);
            } else {
                response.body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            return response;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                assertThat(b).as("more of the chunked body").isNotNegative();
                line.append((char) b);
            }
            return line.toString().replace("\r", "");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class Response {
        final String head;
        String body = "";
        String trailers = "";

        Response(String head) {
            this.head = head;
        }

        int status() {
            return Integer.parseInt(head.split(" ", 3)[1]);
        }

        /** The first value of a header, by case-insensitive name, or null. */
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

    @Test
    void aChunkedBodyArrivesWholeWithItsTrailerAndTheConnectionCarriesOn() throws Exception {
        try (Client client = new Client()) {
            Response chunked = client.send("GET", "/chunked");
            assertThat(chunked.status()).isEqualTo(200);
            assertThat(chunked.body).isEqualTo("hello world");
            assertThat(chunked.trailers).isEqualTo("X-Trailer: t\n");
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
        }
    }

    @Test
    void responseHeadersLoseHopByHopOnesAndGetTheRulesChanges() throws Exception {
        try (Client client = new Client()) {
            Response response = client.send("GET", "/headers");
            assertThat(response.body).isEqualTo("ok");
            assertThat(response.header("x-replace")).isEqualTo("new");
            assertThat(response.header("x-added")).isEqualTo("yes");
            assertThat(response.header("x-kept")).isEqualTo("k");
            assertThat(response.header("x-remove-me")).isNull();
            assertThat(response.header("x-hop")).as("named by Connection").isNull();
            assertThat(response.header("keep-alive")).isNull();
            assertThat(response.header("connection")).isNull(); // HTTP/1.1 keep-alive needs none
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
        }
    }

    @Test
    void answersWithoutABodyLeaveTheConnectionsUsable() throws Exception {
        try (Client client = new Client()) {
            Response head = client.send("HEAD", "/head");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("1234");
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
            Response noContent = client.send("GET", "/no-content");
            assertThat(noContent.status()).isEqualTo(204);
            assertThat(noContent.header("x-status")).isEqualTo("204");
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
            assertThat(client.send("GET", "/not-modified").status()).isEqualTo(304);
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
            assertThat(client.send("GET", "/head").body).hasSize(1234);
        }
    }

    @Test
    void anInterimAnswerIsPassedOnBeforeTheFinalOne() throws Exception {
        try (Client client = new Client()) {
            Response hints = client.send("GET", "/early-hints");
            assertThat(hints.status()).isEqualTo(103);
            assertThat(hints.header("link")).isEqualTo("</style.css>; rel=preload");
            Response last = client.read("GET");
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.body).isEqualTo("final");
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
        }
    }

    @Test
    void aBodyThatEndsWithTheUpstreamsConnectionEndsTheClientsToo() throws Exception {
        try (Client client = new Client()) {
            Response response = client.send("GET", "/until-close");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("connection")).isEqualToIgnoringCase("close");
            assertThat(response.body).as("read to the end of the stream: the proxy closed").isEqualTo("until the close");
        }
    }

    @Test
    void anInvalidOrOversizedAnswerIs502NamingTheUpstream() throws Exception {
        String upstream = "127.0.0.1:" + backend.port();
        try (Client client = new Client()) {
            Response garbage = client.send("GET", "/garbage");
            assertThat(garbage.status()).isEqualTo(502);
            assertThat(garbage.body).startsWith("route scripted: upstream " + upstream + " sent an invalid response");
        }
        try (Client client = new Client()) {
            Response huge = client.send("GET", "/huge-head");
            assertThat(huge.status()).isEqualTo(502);
            assertThat(huge.body).startsWith("route scripted: upstream " + upstream + " sent an invalid response")
                    .contains("too large");
        }
        try (Client client = new Client()) {
            assertThat(client.send("GET", "/after").body).as("the next request is served").isEqualTo("default");
        }
    }

    @Test
    void anInterimAnswerBeforeAnInvalidOneIsPassedOnBeforeThe502() throws Exception {
        try (Client client = new Client()) {
            Response hints = client.send("GET", "/hints-then-garbage");
            assertThat(hints.status()).isEqualTo(103);
            assertThat(hints.header("link")).isEqualTo("</a.css>; rel=preload");
            Response failed = client.read("GET");
            assertThat(failed.status()).isEqualTo(502);
            assertThat(failed.body).contains("sent an invalid response");
        }
    }

    @Test
    void aBodyThatBreaksItsFramingAfterAGoodHeadEndsTheClientsConnection() throws Exception {
        try (Client client = new Client()) {
            client.write("GET /broken-chunked HTTP/1.1\r\nHost: test\r\n\r\n");
            // half a response cannot be mended: the head that came with the broken body is not sent alone
            assertThat(readHead(client.in)).as("nothing but the close").isNull();
        }
        try (Client client = new Client()) {
            assertThat(client.send("GET", "/after").body).as("the next request is served").isEqualTo("default");
        }
    }

    @Test
    void aClientThatExpects100ContinueGetsItAndThenTheUpstreamsAnswer() throws Exception {
        try (Client client = new Client()) {
            client.write("POST /body HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(client.read("POST").status()).isEqualTo(100);
            client.write("hello");
            Response answer = client.read("POST");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body).as("the proxy answered the expectation itself")
                    .isEqualTo("got 5 bytes, expect=null");
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
        }
    }

    @Test
    void aLargeBodyIsStreamedAtTheClientsPace() throws Exception {
        bigWritten.set(0);
        try (Client client = new Client()) {
            client.socket.setReceiveBufferSize(64 * 1024);
            client.write("GET /big HTTP/1.1\r\nHost: test\r\n\r\n");
            Response head = new Response(readHead(client.in));
            assertThat(head.header("content-length")).isEqualTo(String.valueOf(BIG));
            Thread.sleep(1500); // the client reads nothing: the proxy must stop reading the upstream
            long whileStalled = bigWritten.get();
            assertThat(whileStalled).as("bytes the backend got rid of while the client read nothing")
                    .isLessThan(BIG / 4);
            byte[] buffer = new byte[256 * 1024];
            long received = 0;
            for (int n; received < BIG && (n = client.in.read(buffer)) > 0; ) {
                received += n;
            }
            assertThat(received).isEqualTo(BIG);
            assertThat(client.send("GET", "/after").body).isEqualTo("default");
        }
    }
}
