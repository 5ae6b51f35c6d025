package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling through a real replica: each hostile request is written from a raw socket together with a second
 * request, {@code GET /smuggled}, in the same bytes, placed where a parser that framed the first request differently
 * would find it. The proxy either refuses the request (400, then closes the connection, so nothing after it is read)
 * or frames it exactly one way: the backend then receives exactly that one request, its body byte for byte, framed by
 * a single {@code Content-Length} or by {@code Transfer-Encoding: chunked} alone. The backend never receives
 * {@code /smuggled}, nor any complete request from a refused one. It is a raw socket whose bytes a strict decoder
 * (Netty's, RFC 9112 line parsing) reads, so what it counts as requests is what a strict server would.
 */
class RequestSmugglingTest {

    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

    /** What must become of a hostile request. */
    enum Expect {
        /** 400 from the proxy; nothing reaches the backend. */
        REFUSED,
        /** 400 once its body breaks; the backend may have its head and part of its body, never all of it. */
        REFUSED_IN_BODY,
        /** Framed one way: the backend gets it, with the body given. */
        FRAMED
    }

    /** A complete request the backend read: method, target, body, and its framing header lines. */
    record Received(String method, String uri, String body, List<String> lengths, List<String> codings) {
    }

    private static RawBackend backend;
    private static DataplaneServer server;
    private static final List<Received> complete = new CopyOnWriteArrayList<>();
    /** The request heads the backend saw begin (complete or not). */
    private static final List<String> begun = new CopyOnWriteArrayList<>();
    /** For each backend connection the proxy closed: whether a request on it was left incomplete. */
    private static final List<String> closed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        backend = RawBackend.start("strict-backend", RequestSmugglingTest::serve);
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(10)));
        server.start();
        server.apply(TestReplicas.route("everything", "/", backend.port()), "test");
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        backend.close();
    }

    /** Reads requests as a strict server does, answering each complete one with {@code ok <target>}. */
    private static void serve(Socket socket) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpRequestDecoder());
        HttpRequest head = null;
        StringBuilder body = new StringBuilder();
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                decoder.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
                for (Object msg; (msg = decoder.readInbound()) != null; ) {
                    try {
                        if (((HttpObject) msg).decoderResult().isFailure()) {
                            begun.add("malformed: " + ((HttpObject) msg).decoderResult().cause());
                            return;
                        }
                        if (msg instanceof HttpRequest request) {
                            head = request;
                            body.setLength(0);
                            begun.add(request.method() + " " + request.uri());
                        }
                        if (msg instanceof HttpContent content) {
                            body.append(content.content().toString(StandardCharsets.ISO_8859_1));
                        }
                        if (msg instanceof LastHttpContent && head != null) {
                            complete.add(new Received(head.method().name(), head.uri(), body.toString(),
                                    head.headers().getAll(HttpHeaderNames.CONTENT_LENGTH),
                                    head.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING)));
                            String answer = "ok " + head.uri();
                            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length() + "\r\n\r\n" + answer)
                                    .getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                            head = null;
                        }
                    } finally {
                        ReferenceCountUtil.release(msg);
                    }
                }
            }
        } catch (IOException gone) {
            // the proxy reset the connection: what was complete is recorded
        } finally {
            closed.add(head == null ? "between requests" : "in " + head.method() + " " + head.uri());
            decoder.finishAndReleaseAll();
        }
    }

    private static String post(String headers, String body) {
        return "POST /upload HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n" + body;
    }

    private static String chunkedPost(String body) {
        return post("Transfer-Encoding: chunked\r\n", body + SMUGGLED);
    }

    private static String hex(String data) {
        return Integer.toHexString(data.length());
    }

    private static Arguments refused(String name, String bytes) {
        return Arguments.of(name, bytes, Expect.REFUSED, null);
    }

    private static Arguments refusedInBody(String name, String body) {
        return Arguments.of(name, chunkedPost(body), Expect.REFUSED_IN_BODY, null);
    }

    private static Arguments framed(String name, String bytes, String body) {
        return Arguments.of(name, bytes, Expect.FRAMED, body);
    }

    static Stream<Arguments> hostileRequests() {
        String zeroThenSmuggled = "0\r\n\r\n" + SMUGGLED;
        String smuggledChunk = hex(SMUGGLED) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
        return Stream.of(
                refused("CL.TE", post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", zeroThenSmuggled)),
                refused("TE.CL", post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", smuggledChunk)),
                refused("CL and TE after a tab", post("Content-Length: 5\r\nTransfer-Encoding:\tchunked\r\n",
                        zeroThenSmuggled)),
                refused("CL and TE in capitals", post("Content-Length: 5\r\nTransfer-Encoding: CHUNKED\r\n",
                        zeroThenSmuggled)),
                refused("CL and TE listed", post("Content-Length: 5\r\nTransfer-Encoding: identity, chunked\r\n",
                        zeroThenSmuggled)),
                refused("CL and TE on a second line", post("Content-Length: 5\r\nTransfer-Encoding: x\r\n"
                        + "Transfer-Encoding: chunked\r\n", zeroThenSmuggled)),
                refused("TE with a space before its colon", post("Transfer-Encoding : chunked\r\nContent-Length: 5\r\n",
                        zeroThenSmuggled)),
                refused("TE with a tab before its colon", post("Transfer-Encoding\t: chunked\r\n", smuggledChunk)),
                refused("TE after a vertical tab", post("Transfer-Encoding:\u000bchunked\r\n", smuggledChunk)),
                refused("TE with a NUL", post("Transfer-Encoding: chunked\u0000\r\n", smuggledChunk)),
                refused("TE xchunked", post("Transfer-Encoding: xchunked\r\n", smuggledChunk)),
                refused("TE chunked then identity", post("Transfer-Encoding: chunked, identity\r\n", smuggledChunk)),
                refused("TE chunked twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                        smuggledChunk)),
                refused("TE chunked with a parameter", post("Transfer-Encoding: chunked;q=1\r\n", smuggledChunk)),
                refused("TE identity", post("Transfer-Encoding: identity\r\n", smuggledChunk)),
                refused("TE gzip then chunked", post("Transfer-Encoding: gzip, chunked\r\n", smuggledChunk)),
                refused("TE in HTTP/1.0", "POST /upload HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + smuggledChunk),
                refused("TE folded onto the request line", "POST /upload HTTP/1.1\r\n Transfer-Encoding: chunked\r\n"
                        + "Host: a\r\n\r\n" + smuggledChunk),
                refused("differing CLs", post("Content-Length: 0\r\nContent-Length: " + SMUGGLED.length() + "\r\n",
                        SMUGGLED)),
                refused("differing CLs in HTTP/1.0", "POST /upload HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n"
                        + "Content-Length: 0\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED),
                refused("the same CL twice", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello" + SMUGGLED)),
                refused("a CL list", post("Content-Length: 5, 5\r\n", "hello" + SMUGGLED)),
                refused("a CL with a plus", post("Content-Length: +5\r\n", "hello" + SMUGGLED)),
                refused("a CL in hex", post("Content-Length: 0x5\r\n", "hello" + SMUGGLED)),
                refused("a negative CL", post("Content-Length: -1\r\n", "hello" + SMUGGLED)),
                refused("a CL with a letter", post("Content-Length: 5a\r\n", "hello" + SMUGGLED)),
                refused("a CL past 64 bits", post("Content-Length: 99999999999999999999\r\n", "hello" + SMUGGLED)),
                refused("an empty CL", post("Content-Length: \r\n", "hello" + SMUGGLED)),
                refused("bare LF line ends", "POST /upload HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello" + SMUGGLED),
                refused("a bare LF after TE", post("Transfer-Encoding: chunked\n", smuggledChunk)),
                refused("a bare CR before TE", post("X: a\rTransfer-Encoding: chunked\r\n", smuggledChunk)),
                refusedInBody("a chunk size not in hex", "zz\r\nhello\r\n0\r\n\r\n"),
                refusedInBody("a chunk size with 0x", "0x5\r\nhello\r\n0\r\n\r\n"),
                refusedInBody("a negative chunk size", "-5\r\nhello\r\n0\r\n\r\n"),
                refusedInBody("a chunk size after a space", " 5\r\nhello\r\n0\r\n\r\n"),
                refusedInBody("a chunk size before a space", "5 \r\nhello\r\n0\r\n\r\n"),
                refusedInBody("a chunk size past 64 bits", "1ffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
                refusedInBody("a chunk size line ended by a bare LF", "5\nhello\r\n0\r\n\r\n"),
                refusedInBody("a chunk extension ended by a bare LF", "5;a\nhello\r\n0\r\n\r\n"),
                refusedInBody("a bare CR in a chunk extension", "5;a\rb\r\nhello\r\n0\r\n\r\n"),
                refusedInBody("chunk data ended by a bare LF", "5\r\nhello\n0\r\n\r\n"),
                refusedInBody("chunk data longer than its size", "5\r\nhelloXX\r\n0\r\n\r\n"),
                refusedInBody("a huge chunk extension", "5;" + "x".repeat(20_000) + "\r\nhello\r\n0\r\n\r\n"),
                refusedInBody("a trailer ended by a bare LF", "5\r\nhello\r\n0\r\nT: 1\n\r\n"),
                refusedInBody("a trailer section ended by a bare LF", "5\r\nhello\r\n0\r\n\n"),
                framed("TE folded into another header under a CL", post("Connection: close\r\nContent-Length: "
                        + zeroThenSmuggled.length() + "\r\nX-Note: a\r\n Transfer-Encoding: chunked\r\n",
                        zeroThenSmuggled), zeroThenSmuggled),
                refused("a CL with leading zeros", post("Content-Length: 000" + SMUGGLED.length() + "\r\n",
                        SMUGGLED)),
                refused("the same CL twice in HTTP/1.0", "POST /upload HTTP/1.0\r\nHost: a\r\nContent-Length: "
                        + SMUGGLED.length() + "\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED),
                framed("a GET with a body", "GET /upload HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                        + "Content-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED, SMUGGLED),
                framed("chunked with extensions and a trailer", post("Connection: close\r\n"
                        + "Transfer-Encoding: chunked\r\n", "5;a=b\r\nhello\r\n" + hex(SMUGGLED) + ";q=\"x;y\"\r\n"
                        + SMUGGLED + "\r\n0\r\nX-Checksum: 1\r\n\r\n"), "hello" + SMUGGLED),
                framed("chunked in capitals", post("Connection: close\r\nTransfer-Encoding: CHUNKED\r\n",
                        smuggledChunk), SMUGGLED),
                framed("a chunk extension just within the bound", post("Connection: close\r\n"
                        + "Transfer-Encoding: chunked\r\n", "5;x=" + "y".repeat(8000) + "\r\nhello\r\n0\r\n\r\n"),
                        "hello"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void aHostileRequestIsRefusedOrFramedOneWayAndNothingIsSmuggled(String name, String bytes, Expect expect,
                                                                      String body) throws Exception {
        complete.clear();
        begun.clear();
        closed.clear();
        String answer;
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            client.getOutputStream().flush();
            // read to the close: a proxy that keeps the connection open (to read on) fails on the read timeout
            answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        if (expect == Expect.REFUSED_IN_BODY) {
            awaitClosedUpstream();
        }
        assertThat(send("GET /sentinel HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
                .as("the proxy goes on serving").startsWith("HTTP/1.1 200 ").endsWith("ok /sentinel");

        List<Received> requests = new ArrayList<>(complete);
        requests.removeIf(r -> r.uri().equals("/sentinel"));
        List<String> answers = StrictClient.responses(answer.getBytes(StandardCharsets.ISO_8859_1), 2);
        assertThat(answers).as("one answer: " + answer).hasSize(1);
        assertThat(begun).as("the backend never sees the smuggled request").noneMatch(h -> h.contains("smuggled"));
        switch (expect) {
            case REFUSED -> {
                assertThat(answers.get(0)).startsWith("400 ");
                assertThat(begun).as("nothing reached the backend").containsOnly("GET /sentinel");
            }
            case REFUSED_IN_BODY -> {
                assertThat(answers.get(0)).startsWith("400 ");
                assertThat(requests).as("no request completed at the backend").isEmpty();
            }
            case FRAMED -> {
                assertThat(answers).containsExactly("200 ok /upload");
                assertThat(requests).as("exactly the one request").hasSize(1);
                Received received = requests.get(0);
                assertThat(received.body()).as("its body, byte for byte").isEqualTo(body);
                boolean byLength = received.lengths().equals(List.of(String.valueOf(body.length())))
                        && received.codings().isEmpty();
                boolean chunked = received.lengths().isEmpty() && received.codings().equals(List.of("chunked"));
                assertThat(byLength || chunked).as("framed by one Content-Length or by chunked alone: "
                        + received).isTrue();
            }
        }
    }

    /** Waits until the backend saw the proxy close a connection (the refused body's), for at most 10 s. */
    private static void awaitClosedUpstream() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (closed.isEmpty() && begun.stream().anyMatch(h -> h.startsWith("POST /upload"))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static String send(String request) throws IOException {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
