package dev.ballast.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.controller.push.PushSource;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.controller.source.SourceHealth;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.labels.LabelTranslator;
import dev.ballast.schema.labels.TranslationOptions;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API's endpoints as a chain of handlers: each takes its own paths, passes the rest on, and answers the client's
 * mistakes with 400 naming what is wrong; whatever nobody took ends at 404.
 */
class EndpointPipelineTest {

    private final SnapshotStore store = new SnapshotStore(16);
    private final PushSource push = new PushSource();
    private final AtomicInteger rebuilds = new AtomicInteger();
    private final NioEventLoopGroup loops = new NioEventLoopGroup(1);
    private EventLoopWatchdog watchdog;
    private EmbeddedChannel channel;

    @BeforeEach
    void pipeline() {
        store.publish(Snapshot.empty());
        ReplicaRegistry replicas = new ReplicaRegistry(Clock.systemUTC(), Duration.ofSeconds(10), Duration.ofMinutes(1));
        LabelTranslator translator = new LabelTranslator(
                new TranslationOptions("com.df.notify", ",", false));
        watchdog = new EventLoopWatchdog(loops, EventLoopWatchdog.PROBE_INTERVAL, EventLoopWatchdog.PROBE_LIMIT);
        channel = new EmbeddedChannel(new SnapshotPulls(store, replicas),
                new DockerFlowEndpoints(push, translator, rebuilds::incrementAndGet, List::of, store,
                        () -> "docker-flow"),
                new Probes(watchdog, new SourcesStatus(List.of(SourceHealth.notYetSynced("gitops")
                        .failed(Instant.EPOCH, "gitops.yml:3: bad indentation"))), store::hasPublished,
                        () -> "ballast_up 1\n".getBytes(StandardCharsets.UTF_8)),
                new NotFound());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        watchdog.close();
        loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aPathNoEndpointTakesIsNotFoundAndNamed() {
        Answer answer = ask(get("/v1/nothing-here?x=1"));
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.body()).contains("no such endpoint: /v1/nothing-here");
    }

    @Test
    void aPullWithoutAReplicaNameIsTheClientsMistake() {
        Answer answer = ask(get("/v1/snapshot?version="));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body()).contains("replica: required");
    }

    @Test
    void aPullWithABadWaitNamesTheParameter() {
        Answer answer = ask(get("/v1/snapshot?replica=r1&version=&wait=soon"));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body()).contains("wait: ");
    }

    @Test
    void aReplicaBehindGetsTheCurrentSnapshotAtOnce() {
        FullHttpResponse response = exchange(get("/v1/snapshot?replica=r1&version="));
        try {
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(response.headers().get("Ballast-Version")).isEqualTo(store.current().version());
        } finally {
            response.release();
        }
    }

    @Test
    void theDockerFlowPushApiReadsAFormEncodedBody() {
        FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                "/v1/docker-flow-proxy/reconfigure", Unpooled.copiedBuffer(
                        "serviceName=shop&servicePath=/shop&port=8080", StandardCharsets.UTF_8));
        post.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED);
        Answer answer = ask(post);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"ServiceName\":\"shop\"");
        assertThat(push.state()).containsKey("shop");
        assertThat(rebuilds).hasValue(1);
    }

    @Test
    void aReconfigureWithoutAServiceNameChangesNothing() {
        Answer answer = ask(get("/v1/docker-flow-proxy/reconfigure?servicePath=/shop"));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body()).contains("serviceName parameter is mandatory");
        assertThat(rebuilds).hasValue(0);
    }

    @Test
    void readinessNamesTheSourceThatHasNotSynced() {
        Answer answer = ask(get("/readyz"));
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.body()).contains("gitops: not synced yet (gitops.yml:3: bad indentation)");
    }

    @Test
    void metricsAreServedAsPrometheusText() {
        Answer answer = ask(get("/metrics"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("ballast_up 1\n");
    }

    private static FullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    private record Answer(int status, String body) {
    }

    private Answer ask(FullHttpRequest request) {
        FullHttpResponse response = exchange(request);
        try {
            return new Answer(response.status().code(), response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    private FullHttpResponse exchange(FullHttpRequest request) {
        channel.writeInbound(request);
        channel.runPendingTasks();
        FullHttpResponse response = channel.readOutbound();
        assertThat(response).as("an answer to " + request.uri()).isNotNull();
        return response;
    }
}
