package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.DataplaneServer;
import dev.ballast.dataplane.TestReplicas;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The replica-wide limits through real sockets: request bodies over the maximum (declared or streamed), bodies that
 * come too slowly, too many header fields, and connections past the per-listener and per-client maximums. Each
 * refusal is counted under its reason in {@code ballast_refusals_total}, and the backend never sees a refused body
 * whole.
 */
class AdmissionLimitsTest {

    private static final DataplaneConfig.Limits LIMITS = new DataplaneConfig.Limits(6, 3, 64, 1024, 10);

    private static HttpServer backend;
    private static final AtomicInteger bodiesReceived = new AtomicInteger();
    private static DataplaneServer server;

    @BeforeAll
    static void start() throws Exception {
        backend = TestReplicas.backend(exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (body.length > 0) {
                bodiesReceived.incrementAndGet();
            }
            byte[] answer = ("got " + body.length + "\n").getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server = new DataplaneServer(TestReplicas.withLimits(TestReplicas.config(Duration.ofSeconds(10)), LIMITS));
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: limited }
                spec:
                  endpoints: [{ address: "127.0.0.1:%d" }]
                  rules:
                    - { paths: [/small] }
                    - { paths: [/large], maxRequestBodySize: 1KiB }
                """.formatted(backend.getAddress().getPort())), "test");
    }

    @AfterAll
    static void stop() {
        server.close();
        backend.stop(0);
    }

    @Test
    void aDeclaredBodyOverTheMaximumGets413BeforeAnyUpstream() throws Exception {
        int before = bodiesReceived.get();
        String answer = exchange("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 65\r\n\r\n" + "x".repeat(65));
        assertThat(answer).startsWith("HTTP/1.1 413 ").contains("over 64 bytes");
        // the rule's own maximum wins over the replica's
        assertThat(exchange("POST /large HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
                + "x".repeat(1000))).startsWith("HTTP/1.1 200 ").contains("got 1000");
        assertThat(bodiesReceived.get()).isEqualTo(before + 1);
        assertThat(refusals("body_too_large")).isPositive();
    }

    @Test
    void aStreamedBodyOverTheMaximumGets413AndNeverReachesTheBackendWhole() throws Exception {
        int before = bodiesReceived.get();
        String chunk = Integer.toHexString(40) + "\r\n" + "y".repeat(40) + "\r\n";
        String answer = exchange("POST /small HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk + chunk + chunk + "0\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 413 ").contains("over 64 bytes").containsIgnoringCase("close");
        assertThat(answer.indexOf("HTTP/1.1", 1)).as("one answer: " + answer).isEqualTo(-1);
        assertThat(bodiesReceived.get()).as("the backend never got a whole body").isEqualTo(before);
    }

    @Test
    void aBodySlowerThanTheMinimumRateGets408() throws Exception {
        try (Socket client = connect()) {
            OutputStream out = client.getOutputStream();
            out.write("POST /large HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            try {
                // a byte every 300 ms: never idle for the client timeout, ~3 bytes/s against 1024 required
                while (System.nanoTime() < deadline) {
                    out.write('z');
                    out.flush();
                    Thread.sleep(300);
                }
            } catch (IOException closed) {
                // the proxy closed its side once it answered
            }
            String answer = readAll(client.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("slower than 1024 bytes/s");
        }
        assertThat(refusals("body_too_slow")).isPositive();
    }

    @Test
    void moreHeaderFieldsThanAllowedGet431() throws Exception {
        StringBuilder head = new StringBuilder("GET /small HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 10; i++) {
            head.append("X-Field-").append(i).append(": v\r\n");
        }
        String answer = exchange(head.append("\r\n").toString());
        assertThat(answer).startsWith("HTTP/1.1 431 ").contains("more than 10 header fields");
        assertThat(refusals("too_many_headers")).isPositive();
    }

    @Test
    void connectionsPastTheClientMaximumAreClosedAtOnce() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket kept = connect();
                kept.getOutputStream().write("GET /small HTTP/1.1\r\nHost: a\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(readHead(kept.getInputStream())).startsWith("HTTP/1.1 200 ");
                open.add(kept);
            }
            try (Socket refused = connect()) {
                assertThat(refused.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
            }
            assertThat(refusals("client_connections")).isPositive();
            open.remove(0).close();
            // the count goes down when a connection closes
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            String answer = "";
            while (!answer.startsWith("HTTP/1.1 200 ") && System.nanoTime() < deadline) {
                answer = exchange("GET /small HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            }
            assertThat(answer).startsWith("HTTP/1.1 200 ");
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.trafficAddress().getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** Sends {@code request} on a connection of its own and reads until the proxy closes it. */
    private static String exchange(String request) throws IOException {
        try (Socket client = connect()) {
            client.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            if (!request.contains("Connection: close")) {
                client.shutdownOutput();
            }
            return readAll(client.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    /** The head and body of one answer with a Content-Length, on a connection that stays open. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        String text = head.toString();
        int at = text.toLowerCase().indexOf("content-length: ");
        int length = Integer.parseInt(text.substring(at + 16, text.indexOf("\r\n", at)).trim());
        in.readNBytes(length);
        return text;
    }

    private static long refusals(String reason) {
        String metrics = new String(server.scrapeMetrics(), StandardCharsets.UTF_8);
        return metrics.lines().filter(l -> l.startsWith("ballast_refusals_total{") && l.contains("reason=\""
                + reason + "\"")).mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
