package dev.ballast.observability.telemetry.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.observability.testing.CollectedSpans;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ballast's OTLP/HTTP span exporter against receivers started by the test: real sockets, real HTTP. */
class OtlpHttpTraceExporterTest {

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void aBatchReachesTheReceiverAsTheSdkWouldSendIt() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        List<byte[]> bodies = new CopyOnWriteArrayList<>();
        HttpServer receiver = receiver(exchange -> {
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + exchange.getRequestHeaders().getFirst("Api-Key") + " " + exchange.getRemoteAddress().getPort());
            bodies.add(exchange.getRequestBody().readAllBytes());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        OtlpHttpTraceExporter exporter = exporter(Map.of("otel.exporter.otlp.protocol", "http/protobuf",
                "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/otlp",
                "otel.exporter.otlp.headers", "api-key=two%20words"));
        List<SpanData> spans = spans(3);

        assertThat(exporter.export(spans).isSuccess()).isTrue();
        assertThat(exporter.export(spans).isSuccess()).isTrue();

        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(0)).isEqualTo(sdkBytes(spans));
        String[] first = seen.get(0).split(" ");
        assertThat(List.of(first).subList(0, 5))
                .containsExactly("POST", "/otlp/v1/traces", "application/x-protobuf", "two", "words");
        assertThat(seen.get(1).split(" ")[5]).as("the second post on the kept-alive connection").isEqualTo(first[5]);
    }

    @Test
    void retryableAnswersAreRetriedAndOthersAreNot() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        List<Integer> answers = new CopyOnWriteArrayList<>(List.of(503, 200, 400));
        HttpServer receiver = receiver(exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(answers.remove(0), -1);
            exchange.close();
        });
        OtlpHttpTraceExporter exporter = exporter(endpoint(receiver.getAddress().getPort()));

        assertThat(exporter.export(spans(1)).isSuccess()).as("503, then 200").isTrue();
        assertThat(requests).hasValue(2);
        assertThat(exporter.export(spans(1)).isSuccess()).as("400 is final").isFalse();
        assertThat(requests).hasValue(3);
    }

    @Test
    void aKeptAliveConnectionTheReceiverClosedCostsNoBatch() throws Exception {
        List<String> answers = List.of(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nTrailer: t\r\n\r\n");
        RawReceiver receiver = new RawReceiver(answers, true); // closes each connection after one answer
        OtlpHttpTraceExporter exporter = exporter(endpoint(receiver.port()));

        assertThat(exporter.export(spans(2)).isSuccess()).isTrue();
        assertThat(exporter.export(spans(2)).isSuccess()).isTrue();
        assertThat(receiver.connections()).hasValue(2);
    }

    @Test
    void answersDelimitedByClosingAndInterimAnswersAreRead() throws Exception {
        List<String> answers = List.of(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close",
                "HTTP/1.0 204 No Content\r\n\r\n");
        RawReceiver receiver = new RawReceiver(answers, false);
        OtlpHttpTraceExporter exporter = exporter(endpoint(receiver.port()));

        assertThat(exporter.export(spans(1)).isSuccess()).isTrue();
        assertThat(exporter.export(spans(1)).isSuccess()).isTrue();
        assertThat(receiver.connections()).hasValue(2);
    }

    @Test
    void aReceiverThatNeverAnswersIsCutAtTheTimeout() throws Exception {
        RawReceiver receiver = new RawReceiver(List.of(), false); // reads, never answers
        Map<String, String> settings = with(endpoint(receiver.port()),
                "otel.exporter.otlp.timeout", "300ms");
        OtlpHttpTraceExporter exporter = exporter(settings);

        long start = System.nanoTime();
        CompletableResultCode result = exporter.export(spans(1));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(result.isSuccess()).isFalse();
        assertThat(tookMillis).isBetween(250L, 3_000L);
    }

    @Test
    void aBatchThatTimedOutOnAKeptAliveConnectionIsNotSentAgain() throws Exception {
        RawReceiver receiver = new RawReceiver(List.of("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false);
        Map<String, String> settings = with(endpoint(receiver.port()),
                "otel.exporter.otlp.timeout", "300ms");
        OtlpHttpTraceExporter exporter = exporter(settings);

        assertThat(exporter.export(spans(1)).isSuccess()).isTrue();
        assertThat(exporter.export(spans(1)).isSuccess()).as("never answered").isFalse();
        assertThat(receiver.connections()).as("no second connection to send it again").hasValue(1);
    }

    @Test
    void aReceiverThatStopsReadingIsCutAtTheTimeout() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        closing.add(server);
        List<Socket> held = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                held.add(server.accept()); // and never read from it
            } catch (IOException e) {
                // closed at the end of the test
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        Map<String, String> settings = with(endpoint(server.getLocalPort()),
                "otel.exporter.otlp.timeout", "300ms");
        OtlpHttpTraceExporter exporter = exporter(settings);
        List<SpanData> many = java.util.Collections.nCopies(100, spans(1_000)).stream().flatMap(List::stream).toList();
        // ~12 MB: more than the socket buffers hold, so the write blocks

        long start = System.nanoTime();
        CompletableResultCode result = exporter.export(many);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(result.isSuccess()).isFalse();
        assertThat(tookMillis).isBetween(250L, 3_000L);
        for (Socket socket : held) {
            socket.close();
        }
    }

    @Test
    void aZeroTimeoutIsNoLimit() throws Exception {
        HttpServer receiver = receiver(exchange -> {
            exchange.getRequestBody().readAllBytes();
            sleep(300); // far longer than a zero timeout taken literally would wait
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        Map<String, String> settings = with(endpoint(receiver.getAddress().getPort()),
                "otel.exporter.otlp.timeout", "0");
        assertThat(exporter(settings).export(spans(1)).isSuccess()).isTrue();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void anUnreachableReceiverFailsTheBatchWithoutThrowing() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        Map<String, String> settings = with(endpoint(port),
                "otel.exporter.otlp.traces.timeout", "200ms"); // no time left to retry
        assertThat(exporter(settings).export(spans(1)).isSuccess()).isFalse();
    }

    @Test
    void settingsItDoesNotHonourLeaveTheSdksExporter() {
        assertThat(OtlpHttpTraceExporter.fromSettings(config(endpoint(4318)))).isPresent();
        assertThat(OtlpHttpTraceExporter.fromSettings(config(Map.of("otel.exporter.otlp.protocol", "http/protobuf",
                "otel.exporter.otlp.traces.endpoint", "http://collector:4318/custom/path")))).isPresent();
        for (Map<String, String> other : List.of(
                Map.of("otel.exporter.otlp.protocol", "grpc", "otel.exporter.otlp.endpoint", "http://c:4317"),
                Map.of("otel.exporter.otlp.protocol", "http/protobuf", "otel.exporter.otlp.endpoint", "https://c"),
                Map.of("otel.exporter.otlp.protocol", "http/protobuf", "otel.exporter.otlp.endpoint", "http://a b"),
                with(endpoint(4318), "otel.exporter.otlp.traces.compression", "gzip"),
                with(endpoint(4318), "otel.exporter.otlp.certificate", "/ca.pem"),
                with(endpoint(4318), "otel.exporter.otlp.traces.client.key", "/key.pem"))) {
            assertThat(OtlpHttpTraceExporter.fromSettings(config(other))).as(other.toString()).isEmpty();
        }
    }

    private static Map<String, String> with(Map<String, String> settings, String name, String value) {
        Map<String, String> more = new HashMap<>(settings);
        more.put(name, value);
        return more;
    }

    private static Map<String, String> endpoint(int port) {
        return Map.of("otel.exporter.otlp.protocol", "http/protobuf",
                "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + port);
    }

    private static DefaultConfigProperties config(Map<String, String> settings) {
        return DefaultConfigProperties.createFromMap(settings);
    }

    private OtlpHttpTraceExporter exporter(Map<String, String> settings) {
        OtlpHttpTraceExporter exporter = OtlpHttpTraceExporter.fromSettings(config(settings)).orElseThrow();
        closing.add(exporter::shutdown);
        return exporter;
    }

    private HttpServer receiver(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", handler);
        server.start();
        closing.add(() -> server.stop(0));
        return server;
    }

    private static List<SpanData> spans(int count) {
        CollectedSpans collected = new CollectedSpans();
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(collected)).build()) {
            for (int i = 0; i < count; i++) {
                provider.get("test").spanBuilder("span " + i).setAttribute("i", (long) i).startSpan().end();
            }
        }
        return collected.spans();
    }

    private static byte[] sdkBytes(List<SpanData> spans) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeBinaryTo(bytes);
        return bytes.toByteArray();
    }

    /**
     * A receiver written on a bare socket, for answers the JDK's server does not give: it reads each request whole
     * (by its Content-Length) and writes the next of its canned answers, closing the connection after each answer when
     * told to, and always after an answer with no length. With no answers left it reads and never answers.
     */
    private final class RawReceiver {
        private final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final AtomicInteger connections = new AtomicInteger();

        RawReceiver(List<String> answers, boolean closeAfterEach) throws IOException {
            closing.add(server);
            List<String> left = new CopyOnWriteArrayList<>(answers);
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        connections.incrementAndGet();
                        Thread handler = new Thread(() -> answer(socket, left, closeAfterEach), "raw-receiver");
                        handler.setDaemon(true);
                        handler.start();
                    } catch (IOException e) {
                        // the test is over
                    }
                }
            }, "raw-receiver-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void answer(Socket socket, List<String> left, boolean closeAfterEach) {
            try (socket) {
                while (true) {
                    readRequest(socket.getInputStream());
                    if (left.isEmpty()) {
                        Thread.sleep(60_000);
                    }
                    String answer = left.remove(0);
                    socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().flush();
                    if (closeAfterEach || !answer.contains("Length") && !answer.contains("chunked")) {
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the test is over, or the client went away
            }
        }

        int port() {
            return server.getLocalPort();
        }

        AtomicInteger connections() {
            return connections;
        }

        private void readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed");
                }
                head.append((char) b);
            }
            String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
            int at = lower.indexOf("content-length: ") + "content-length: ".length();
            int length = Integer.parseInt(lower.substring(at, lower.indexOf("\r\n", at)));
            in.readNBytes(length);
        }
    }
}
