package dev.ballast.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.controller.source.SourceHealth;
import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.schema.Snapshot;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} means what a replica needs: every source read once <em>and</em> the first snapshot published. Between
 * the two (the pass that publishes is still running) it used to answer 200 while {@code /v1/status} said
 * {@code "published": false}.
 */
class ReadinessTest {

    private final SnapshotStore store = new SnapshotStore(4);
    private final NioEventLoopGroup loops = new NioEventLoopGroup(1);
    private EventLoopWatchdog watchdog;
    private EmbeddedChannel channel;

    @BeforeEach
    void pipeline() {
        watchdog = new EventLoopWatchdog(loops, EventLoopWatchdog.PROBE_INTERVAL, EventLoopWatchdog.PROBE_LIMIT);
        SourcesStatus synced = new SourcesStatus(List.of(SourceHealth.notYetSynced("swarm").succeeded(Instant.EPOCH)));
        channel = new EmbeddedChannel(new Probes(watchdog, synced, store::hasPublished, () -> new byte[0]),
                new NotFound());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        watchdog.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private record Answer(int status, String body) {
    }

    private Answer readyz() {
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/readyz"));
        channel.runPendingTasks();
        FullHttpResponse response = channel.readOutbound();
        try {
            return new Answer(response.status().code(), response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void notReadyUntilTheFirstSnapshotIsPublishedEvenWithEverySourceSynced() {
        Answer before = readyz();
        assertThat(before.status()).isEqualTo(503);
        assertThat(before.body()).contains("\"ready\":false", "no snapshot published yet");

        store.publish(Snapshot.empty()); // the first publication: an empty swarm is a fine answer once it is read
        Answer after = readyz();
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.body()).contains("\"ready\":true", "\"reasons\":[]");
    }
}
