package dev.ballast.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ballast.dataplane.DataplaneServer;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.observability.testing.CollectedSpans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Spans of proxied requests, kept in memory, and the trace context a real backend receives. */
class TracingTest {

    static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CLIENT_SPAN = "00f067aa0ba902b7";

    final CollectedSpans collected = new CollectedSpans();
    final List<String> backendSaw = new CopyOnWriteArrayList<>();
    HttpServer backend;
    DataplaneServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** What the access log and the proxy log while requests are handled. */
    final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    final List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger("ballast.access"),
            (Logger) LoggerFactory.getLogger("dev.ballast.dataplane.proxy.Exchange"));

    @BeforeEach
    void start() throws Exception {
        backend = TestReplicas.backend(exchange -> {
            backendSaw.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        int dead;
        try (ServerSocket probe = new ServerSocket(0)) {
            dead = probe.getLocalPort();
        }
        server = new DataplaneServer(TestReplicas.withAccessLog(TestReplicas.config(Duration.ofSeconds(5),
                Duration.ofSeconds(1))), Telemetry.forTests("ballast-dataplane", collected));
        lines.start();
        for (Logger logger : loggers) {
            logger.setLevel(Level.INFO);
            logger.addAppender(lines);
        }
        server.start();
        server.apply(TestReplicas.routes("""
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: app }
                spec: { endpoints: [{ address: "127.0.0.1:%1$d" }], rules: [{ paths: [/app/] }] }
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: Route
                metadata: { name: flaky }
                spec:
                  endpoints: [{ address: "127.0.0.1:%2$d" }, { address: "127.0.0.1:%1$d" }]
                  loadBalancing: { policy: RoundRobin }
                  retries: { attempts: 1 }
                  rules: [{ paths: [/flaky/] }]
                """.formatted(backend.getAddress().getPort(), dead)), "test");
    }

    @AfterEach
    void stop() {
        server.close();
        backend.stop(0);
        for (Logger logger : loggers) {
            logger.detachAppender(lines);
            logger.setLevel(null);
        }
    }

    int get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.trafficAddress().getPort() + path));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** What was logged so far (a copy: event loops append while the test reads; the appender's lock guards it). */
    List<ILoggingEvent> logged() {
        synchronized (lines) {
            return List.copyOf(lines.list);
        }
    }

    List<SpanData> awaitSpans(int n) {
        await().atMost(Duration.ofSeconds(5)).until(() -> collected.spans().size() >= n);
        return collected.spans();
    }

    @Test
    void theBackendSeesTheClientsTraceWithTheProxysSpanAsParent() throws Exception {
        assertThat(get("/app/x", "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01")).isEqualTo(200);
        List<SpanData> spans = awaitSpans(2);
        SpanData serverSpan = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        SpanData clientSpan = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();

        assertThat(serverSpan.getTraceId()).isEqualTo(CLIENT_TRACE);
        assertThat(serverSpan.getParentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(serverSpan.getName()).isEqualTo("GET app");
        assertThat(serverSpan.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("app");
        assertThat(serverSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        assertThat(serverSpan.getAttributes().get(AttributeKey.stringKey("client.address"))).isEqualTo("127.0.0.1");

        assertThat(clientSpan.getTraceId()).isEqualTo(CLIENT_TRACE);
        assertThat(clientSpan.getParentSpanId()).isEqualTo(serverSpan.getSpanId());
        assertThat(clientSpan.getAttributes().get(AttributeKey.longKey("server.port")))
                .isEqualTo((long) backend.getAddress().getPort());
        assertThat(backendSaw).containsExactly("00-" + CLIENT_TRACE + "-" + clientSpan.getSpanId() + "-01");
    }

    @Test
    void aRequestWithoutTraceContextStartsATrace() throws Exception {
        assertThat(get("/app/y")).isEqualTo(200);
        List<SpanData> spans = awaitSpans(2);
        SpanData serverSpan = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertThat(serverSpan.getParentSpanContext().isValid()).isFalse();
        assertThat(backendSaw).singleElement().asString().startsWith("00-" + serverSpan.getTraceId() + "-");
    }

    @Test
    void aRetriedRequestShowsOneClientSpanPerAttempt() throws Exception {
        // round robin over [dead, live]: within two requests, one tries the dead endpoint first and is retried
        for (int i = 0; i < 2; i++) {
            assertThat(get("/flaky/" + i)).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> collected.spans().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER).count() == 2);
        SpanData retried = collected.spans().stream().filter(s -> s.getKind() == SpanKind.SERVER)
                .filter(s -> collected.spans().stream().filter(c -> c.getParentSpanId().equals(s.getSpanId())).count() == 2)
                .findFirst().orElseThrow();
        List<SpanData> attempts = collected.spans().stream()
                .filter(c -> c.getParentSpanId().equals(retried.getSpanId())).toList();
        assertThat(attempts).allSatisfy(a -> assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT));
        SpanData failed = attempts.stream().filter(a -> a.getStatus().getStatusCode() == StatusCode.ERROR)
                .findFirst().orElseThrow();
        SpanData resent = attempts.stream().filter(a -> a != failed).findFirst().orElseThrow();
        assertThat(failed.getAttributes().get(AttributeKey.longKey("http.request.resend_count"))).isNull();
        assertThat(resent.getAttributes().get(AttributeKey.longKey("http.request.resend_count"))).isEqualTo(1L);
        assertThat(resent.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        assertThat(retried.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
    }

    @Test
    void answersOfTheProxysOwnHaveASpanToo() throws Exception {
        String traceparent = "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01";
        assertThat(get("/nowhere", "traceparent", traceparent)).isEqualTo(404);
        SpanData notFound = awaitSpans(1).get(0);
        assertThat(notFound.getName()).isEqualTo("GET");
        assertThat(notFound.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(notFound.getTraceId()).isEqualTo(CLIENT_TRACE);
        assertThat(notFound.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
        assertThat(notFound.getAttributes().get(AttributeKey.stringKey("http.route"))).isNull();
    }

    @Test
    void linesLoggedInsideARequestCarryItsTraceAndSpanIds() throws Exception {
        String traceparent = "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01";
        // round robin over [dead, live] with a retry: every other request fails at the dead endpoint first, and the
        // fifth failure in a row ejects it, which the proxy logs
        for (int i = 0; i < 12 && logged().stream().noneMatch(e -> e.getLoggerName().endsWith(".Exchange")); i++) {
            assertThat(get("/flaky/" + i, "traceparent", traceparent)).isEqualTo(200);
        }
        ILoggingEvent ejected = logged().stream().filter(e -> e.getLoggerName().endsWith(".Exchange"))
                .findFirst().orElseThrow();
        assertThat(ejected.getLevel()).isEqualTo(Level.WARN);
        assertThat(ejected.getFormattedMessage()).matches("route flaky: upstream 127\\.0\\.0\\.1:\\d+ ejected for 30 s"
                + " after 5 failures in a row \\(ejection 1\\)");
        assertThat(ejected.getMDCPropertyMap()).containsEntry("trace_id", CLIENT_TRACE);
        await().atMost(Duration.ofSeconds(5)).until(() -> collected.spans().stream().anyMatch(s ->
                s.getSpanId().equals(ejected.getMDCPropertyMap().get("span_id")) && s.getKind() == SpanKind.SERVER));

        // the access log: the trace id ends the line, the ids are MDC fields; an answer of the proxy's own too
        assertThat(get("/nowhere", "traceparent", traceparent)).isEqualTo(404);
        await().atMost(Duration.ofSeconds(5)).until(() -> collected.spans().stream().anyMatch(s ->
                s.getName().equals("GET") && s.getKind() == SpanKind.SERVER));
        SpanData notFound = collected.spans().stream().filter(s -> s.getName().equals("GET")
                && s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        ILoggingEvent access = logged().stream().filter(e -> e.getLoggerName().equals("ballast.access")
                && e.getFormattedMessage().contains("/nowhere")).findFirst().orElseThrow();
        assertThat(access.getFormattedMessage()).endsWith(" 404 " + access.getFormattedMessage().split(" ")[4]
                + " - - " + CLIENT_TRACE);
        assertThat(access.getMDCPropertyMap()).containsEntry("trace_id", CLIENT_TRACE)
                .containsEntry("span_id", notFound.getSpanId());
        assertThat(logged()).filteredOn(e -> e.getLoggerName().equals("ballast.access")
                && e.getFormattedMessage().contains("/flaky/")).isNotEmpty()
                .allSatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("trace_id", CLIENT_TRACE));
    }
}
