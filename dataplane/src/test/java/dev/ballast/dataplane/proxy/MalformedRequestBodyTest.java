package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chunked request body that stops decoding part-way must never reach the backend as a complete request: the
 * upstream connection is closed with the body unterminated, the client gets a 400 and its connection is closed (so
 * a request that follows on it is not read as part of a broken stream). The backend is a socket that records every
 * byte it receives on a connection until the proxy closes it, and never answers: a backend that saw a complete
 * request would otherwise have answered it.
 */
class MalformedRequestBodyTest {

    private static final String HEAD = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String FIRST_CHUNK = "5\r\nhello\r\n";

    private static RawBackend backend;
    private static DataplaneServer server;
    /** What each backend connection received, once the proxy closed it. */
    private static final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    /** What the latest backend connection has received so far. */
    private static volatile StringBuffer arriving;

    @BeforeAll
    static void start() throws Exception {
        backend = RawBackend.start("recording-backend", MalformedRequestBodyTest::record);
        server = new DataplaneServer(TestReplicas.config(Duration.ofSeconds(10)));
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: recorded }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules: [{ paths: [/upload] }]
                """.formatted(backend.port())), "test");
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        backend.close();
    }

    private static void record(Socket socket) {
        StringBuffer bytes = new StringBuffer();
        arriving = bytes;
        try (socket) {
            socket.setSoTimeout(15_000); // a proxy that never closes fails the test rather than hanging it
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            received.add(bytes.toString());
        } catch (IOException e) {
            received.add("backend connection failed: " + e);
        }
    }

    /** Waits until the backend's latest connection has received {@code text}. */
    private static void awaitArrival(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (arriving == null || arriving.indexOf(text) < 0) {
            assertThat(System.nanoTime()).as("the backend received " + text.strip()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "zz\r\nabc\r\n0\r\n\r\n", // an invalid second chunk size
        "3\r\nabcXY4\r\nwxyz\r\n0\r\n\r\n", // chunk data not followed by CRLF
        "1ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", // a chunk size over 64 bits
        "3;ext=LONG\r\nabc\r\n0\r\n\r\n", // an over-long chunk extension (LONG is replaced below)
    })
    void aBodyThatStopsDecodingNeverReachesTheBackendWhole(String badRest) throws Exception {
        received.clear();
        arriving = null;
        String rest = badRest.replace("LONG", "x".repeat(20_000));
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write((HEAD + FIRST_CHUNK).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            awaitArrival(FIRST_CHUNK); // the upstream exchange is under way when the bad part comes
            out.write(rest.getBytes(StandardCharsets.ISO_8859_1));
            // a request that follows on the same connection must not be read as one (the stream is broken)
            out.write("GET /next HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();

            // read to the close: a proxy that keeps the connection open fails on the read timeout
            String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("malformed request body")
                    .containsIgnoringCase("connection: close");
            assertThat(answer.indexOf("HTTP/1.1", 1)).as("one answer only: " + answer).isEqualTo(-1);
        }
        String upstream = received.poll(10, TimeUnit.SECONDS);
        assertThat(upstream).as("the proxy closed the upstream connection").isNotNull();
        assertThat(upstream).startsWith("POST /upload HTTP/1.1\r\n");
        String body = upstream.substring(upstream.indexOf("\r\n\r\n") + 4);
        assertThat(body).as("the body sent upstream, never terminated").isEqualTo(FIRST_CHUNK);
        assertThat(upstream).doesNotContain("GET /next");
    }

    /** The body of a request the proxy answered itself is read and dropped; broken, it ends the connection. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcXY4\r\nwxyz\r\n0\r\n\r\n"})
    void aBrokenBodyBeingDroppedClosesTheConnection(String badRest) throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write((HEAD.replace("/upload", "/elsewhere") + FIRST_CHUNK + badRest
                    + "GET /upload HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 404 ");
            assertThat(answer.indexOf("HTTP/1.1", 1)).as("one answer only: " + answer).isEqualTo(-1);
        }
    }
}
