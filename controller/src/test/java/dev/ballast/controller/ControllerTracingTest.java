package dev.ballast.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ballast.observability.telemetry.Telemetry;
import dev.ballast.observability.testing.CollectedSpans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Each reconcile pass is a span; the Docker API calls and the build it makes are its children. */
class ControllerTracingTest {

    @Test
    void aPassThatPublishesShowsItsDockerCallsAndBuild() throws Exception {
        CollectedSpans collected = new CollectedSpans();
        Logger controllerLog = (Logger) LoggerFactory.getLogger(Controller.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        Level level = controllerLog.getLevel();
        controllerLog.setLevel(Level.INFO);
        controllerLog.addAppender(lines);
        try (ControllerHarness h = new ControllerHarness(Telemetry.forTests("ballast-controller", collected))) {
            h.createService("web", 1, "com.df.notify=true", "com.df.servicePath=/web", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> h.get("/v1/docker-flow-proxy/config?type=json")
                    .at("/routes/web").isObject());
            String version = h.get("/v1/status").at("/desiredVersion").asString();
            await().atMost(Duration.ofSeconds(5)).until(() -> collected.spans().stream().anyMatch(s ->
                    version.equals(s.getAttributes().get(AttributeKey.stringKey("ballast.snapshot.version")))
                            && "published".equals(s.getAttributes().get(AttributeKey.stringKey("ballast.outcome")))));
            SpanData pass = collected.spans().stream().filter(s -> s.getName().equals("reconcile")
                    && version.equals(s.getAttributes().get(AttributeKey.stringKey("ballast.snapshot.version")))
                    && "published".equals(s.getAttributes().get(AttributeKey.stringKey("ballast.outcome"))))
                    .findFirst().orElseThrow();
            List<SpanData> children = collected.spans().stream()
                    .filter(s -> s.getParentSpanId().equals(pass.getSpanId())).toList();
            assertThat(children).extracting(SpanData::getName).contains("build desired state");
            assertThat(children).filteredOn(s -> s.getName().startsWith("docker list "))
                    .allSatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT))
                    .extracting(SpanData::getName).isNotEmpty();
            assertThat(children).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(pass.getTraceId()));

            // the pass's log line ("published snapshot …") carries its trace and span ids
            assertThat(lines.list).filteredOn(e -> e.getFormattedMessage().startsWith("published snapshot " + version))
                    .singleElement().satisfies(e -> assertThat(e.getMDCPropertyMap())
                            .containsEntry("trace_id", pass.getTraceId()).containsEntry("span_id", pass.getSpanId()));
        } finally {
            controllerLog.detachAppender(lines);
            controllerLog.setLevel(level);
        }
    }

    @Test
    void aPassLinksToTheDockerEventsThatCausedIt() throws Exception {
        CollectedSpans collected = new CollectedSpans();
        try (ControllerHarness h = new ControllerHarness(Telemetry.forTests("ballast-controller", collected))) {
            // the stream must be open for the creation to come as an event (not only in the first list)
            await().atMost(Duration.ofSeconds(5)).until(() -> h.sim.openEventStreams() > 0);
            h.createService("api", 1, "com.df.notify=true", "com.df.servicePath=/api", "com.df.port=8080");
            await().atMost(Duration.ofSeconds(5)).until(() -> collected.spans().stream().anyMatch(s ->
                    s.getName().equals("docker event service create")
                            && "api".equals(s.getAttributes().get(AttributeKey.stringKey("docker.service.name")))));
            SpanData event = collected.spans().stream().filter(s -> s.getName().equals("docker event service create"))
                    .findFirst().orElseThrow();
            assertThat(event.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(event.getParentSpanContext().isValid()).isFalse();
            // the pass that answered the event links to it (passes run after a debounce; allow for the next one)
            await().atMost(Duration.ofSeconds(5)).until(() -> collected.spans().stream()
                    .filter(s -> s.getName().equals("reconcile"))
                    .anyMatch(s -> s.getLinks().stream().anyMatch(l -> l.getSpanContext().equals(
                            event.getSpanContext()))));
            SpanData pass = collected.spans().stream().filter(s -> s.getName().equals("reconcile")
                    && s.getLinks().stream().anyMatch(l -> l.getSpanContext().equals(event.getSpanContext())))
                    .findFirst().orElseThrow();
            assertThat(pass.getAttributes().get(AttributeKey.stringKey("ballast.refresh"))).startsWith("services");
            assertThat(pass.getTraceId()).isNotEqualTo(event.getTraceId()); // a link, not a parent
        }
    }
}
