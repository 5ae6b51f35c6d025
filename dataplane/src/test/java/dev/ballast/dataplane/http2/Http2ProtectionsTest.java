package dev.ballast.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 clients that misbehave, each written frame by frame ({@link RawH2Connection}) against a replica with an
 * HTTP/1.1 backend that records every request it received whole: floods end in a GOAWAY, a stream that lies about its
 * length or carries connection-specific fields is reset and never reaches the backend, streams past the bound are
 * refused, and well-behaved streams on the same connection are served throughout.
 */
class Http2ProtectionsTest {

    static HttpServer backend;
    static DataplaneServer server;
    /** "METHOD PATH body-length" of each request the backend received whole. */
    static final List<String> received = new CopyOnWriteArrayList<>();
    static final long BIG = 64L * 1024 * 1024;
    /** How much of its big answer the backend has written so far. */
    static final AtomicLong bigWritten = new AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.setExecutor(Executors.newFixedThreadPool(8));
        backend.createContext("/app/big", exchange -> {
            exchange.sendResponseHeaders(200, BIG);
            byte[] chunk = new byte[64 * 1024];
            try {
                for (long sent = 0; sent < BIG; sent += chunk.length) {
                    exchange.getResponseBody().write(chunk);
                    bigWritten.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // the proxy gave up on it: the test is over
            }
            exchange.close();
        });
        backend.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + body.length);
            byte[] reply = ("ok " + exchange.getRequestURI() + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        backend.start();
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(5)));
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

    @BeforeEach
    void clear() {
        received.clear();
    }

    static RawH2Connection connect() throws IOException {
        return new RawH2Connection(server.trafficAddress().getPort());
    }

    @Test
    void streamsOnOneConnectionAreServedTogether() throws Exception {
        try (RawH2Connection h2 = connect()) {
            for (int i = 0; i < 60; i++) {
                h2.headers(1 + 2 * i, RawH2Connection.get("/app/many/" + i), true);
            }
            for (int i = 0; i < 60; i++) {
                RawH2Connection.StreamAnswer answer = h2.await(1 + 2 * i);
                assertThat(answer.status()).isEqualTo("200");
                assertThat(answer.bodyText()).isEqualTo("ok /app/many/" + i + "\n");
            }
        }
    }

    @Test
    void aStreamTheClientDoesNotReadHoldsItsUpstreamBackNotTheConnection() throws Exception {
        bigWritten.set(0);
        try (RawH2Connection h2 = connect()) {
            h2.headers(1, RawH2Connection.get("/app/big"), true); // its window is never given back
            Thread.sleep(1500);
            long written = bigWritten.get();
            // socket buffers on the way hold a few MiB at most; the proxy buffers no more than a read's worth
            assertThat(written).isLessThan(BIG / 4);
            Thread.sleep(500);
            assertThat(bigWritten.get() - written).isLessThan(1024 * 1024); // stalled, not crawling
            h2.headers(3, RawH2Connection.get("/app/meanwhile"), true);
            assertThat(h2.await(3).bodyText()).isEqualTo("ok /app/meanwhile\n");
        }
    }

    @Test
    void rapidResetEndsTheConnection() throws Exception { // CVE-2023-44487
        try (RawH2Connection h2 = connect()) {
            sendIgnoringClose(() -> {
                for (int i = 0; i < Http2Server.MAX_RESETS_PER_WINDOW + 50; i++) {
                    int stream = 1 + 2 * i;
                    h2.headers(stream, RawH2Connection.get("/app/reset/" + i), true);
                    h2.reset(stream, (int) Http2Error.CANCEL.code());
                }
            });
            RawH2Connection.Frame goAway = h2.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void madeYouResetEndsTheConnection() throws Exception { // CVE-2025-55163: frames that make the server reset
        try (RawH2Connection h2 = connect()) {
            int sent = 0;
            // one stream at a time, each reset before the next: the bound counts the resets the proxy sent
            for (int i = 0; i < Http2Server.MAX_RESETS_PER_WINDOW + 50 && !h2.closed(); i++) {
                int stream = 1 + 2 * i;
                try {
                    h2.headers(stream, RawH2Connection.get("/nowhere/" + i), false);
                    h2.windowUpdate(stream, 0); // a stream error: the server resets the stream
                    assertThat(h2.awaitReset(stream).reset).isEqualTo((int) Http2Error.PROTOCOL_ERROR.code());
                    sent++;
                } catch (IOException closed) {
                    break;
                }
            }
            // Netty's encoder closes the connection past the bound, at once: its GOAWAY may not leave first
            // the GOAWAY may also be read a moment before the close is: wait for the close itself
            assertThat(h2.awaitClosed()).isTrue();
            assertThat(sent).isBetween(Http2Server.MAX_RESETS_PER_WINDOW, Http2Server.MAX_RESETS_PER_WINDOW + 1);
        }
    }

    @Test
    void aContinuationFloodEndsTheConnection() throws Exception { // CVE-2024-27316 and kin
        try (RawH2Connection h2 = connect()) {
            byte[] block = h2.block(RawH2Connection.get("/app/continued"));
            sendIgnoringClose(() -> {
                h2.frame(RawH2Connection.HEADERS, 0, 1, block); // no END_HEADERS: CONTINUATION follows
                for (int i = 0; i < 100; i++) {
                    h2.frame(RawH2Connection.CONTINUATION, 0, 1, new byte[] {0x40, 0x01, 'x', 0x01, 'y'});
                }
            });
            RawH2Connection.Frame goAway = h2.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isNotZero();
        }
        assertThat(received).isEmpty();
    }

    @Test
    void anEmptyDataFloodEndsTheConnection() throws Exception {
        try (RawH2Connection h2 = connect()) {
            floodWithEmptyData(h2);
            RawH2Connection.Frame goAway = h2.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void aConnectionEndedByAnErrorLingersForAClientStillSending() throws Exception {
        try (RawH2Connection h2 = connect()) {
            h2.headers(1, RawH2Connection.get("/app/empty").method("POST"), false);
            for (int i = 0; i <= Http2Server.MAX_EMPTY_DATA_FRAMES; i++) {
                h2.data(1, new byte[0], false);
            }
            assertThat(h2.awaitGoAway()).isNotNull();
            assertThat(h2.awaitClosed()).isTrue(); // the replica's side has ended
            // yet what the client still sends is read (and dropped), not answered with a reset
            for (int i = 0; i < 10; i++) {
                h2.frame(RawH2Connection.PING, 0, 0, new byte[8]);
                Thread.sleep(50);
            }
        }
    }

    @Test
    void theGoAwayOfAFloodReachesAClientThatReadsLate() throws Exception {
        try (RawH2Connection h2 = RawH2Connection.readingLater(server.trafficAddress().getPort())) {
            floodWithEmptyData(h2);
            Thread.sleep(500); // the replica has sent its GOAWAY by now; the client reads it only afterwards
            h2.startReading();
            RawH2Connection.Frame goAway = h2.awaitGoAway();
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void aBodyLongerOrShorterThanItsContentLengthIsResetAndNeverServed() throws Exception {
        try (RawH2Connection h2 = connect()) {
            h2.headers(1, post("/app/longer", "10"), false);
            h2.data(1, "twenty bytes of body".getBytes(StandardCharsets.US_ASCII), true);
            h2.headers(3, post("/app/shorter", "10"), false);
            h2.data(3, "five!".getBytes(StandardCharsets.US_ASCII), true);
            assertThat(h2.await(1).reset).isEqualTo((int) Http2Error.PROTOCOL_ERROR.code());
            assertThat(h2.await(3).reset).isEqualTo((int) Http2Error.PROTOCOL_ERROR.code());
            h2.headers(5, RawH2Connection.get("/app/after"), true); // the connection serves on
            assertThat(h2.await(5).status()).isEqualTo("200");
        }
        assertThat(received).containsExactly("GET /app/after 0");
    }

    @Test
    void connectionSpecificFieldsAreRefusedBeforeTheBackend() throws Exception { // no h2 -> h1 smuggling
        try (RawH2Connection h2 = connect()) {
            int stream = 1;
            for (String[] field : List.of(new String[] {"connection", "keep-alive"},
                    new String[] {"transfer-encoding", "chunked"}, new String[] {"keep-alive", "timeout=5"},
                    new String[] {"upgrade", "websocket"}, new String[] {"te", "gzip"})) {
                h2.headers(stream, post("/app/smuggle", "0").add(field[0], field[1]), true);
                assertThat(h2.await(stream).reset).as(field[0]).isEqualTo((int) Http2Error.PROTOCOL_ERROR.code());
                stream += 2;
            }
            h2.headers(stream, RawH2Connection.get("/app/after").add("te", "trailers"), true);
            assertThat(h2.await(stream).status()).isEqualTo("200");
        }
        assertThat(received).containsExactly("GET /app/after 0");
    }

    @Test
    void streamsPastTheBoundAreRefused() throws Exception {
        try (RawH2Connection h2 = connect()) {
            // each stays open: the client never ends its request body (the proxy answers 404 and waits)
            int streams = 100;
            for (int i = 0; i < streams; i++) {
                h2.headers(1 + 2 * i, post("/nowhere/" + i, "5"), false);
            }
            for (int i = 0; i < streams; i++) {
                assertThat(h2.await(1 + 2 * i).status()).isEqualTo("404");
            }
            int oneTooMany = 1 + 2 * streams;
            h2.headers(oneTooMany, RawH2Connection.get("/app/more"), true);
            assertThat(h2.await(oneTooMany).reset).isEqualTo((int) Http2Error.REFUSED_STREAM.code());
        }
    }

    /** Stream 1 opened, then far more empty DATA frames than allowed; the server may close part-way. */
    private static void floodWithEmptyData(RawH2Connection h2) {
        sendIgnoringClose(() -> {
            h2.headers(1, RawH2Connection.get("/app/empty").method("POST"), false);
            for (int i = 0; i < 1000; i++) {
                h2.data(1, new byte[0], false);
            }
        });
    }

    private static Http2Headers post(String path, String contentLength) {
        return RawH2Connection.get(path).method("POST").add("content-length", contentLength);
    }

    interface Sending {
        void send() throws IOException;
    }

    /** Runs {@code sending}; the server may close the connection before it is done, which is what some tests want. */
    private static void sendIgnoringClose(Sending sending) {
        try {
            sending.send();
        } catch (IOException e) {
            // the server closed the connection: the GOAWAY it sent first is read next
        }
    }
}
