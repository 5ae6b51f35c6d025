package dev.ballast.controller.telemetry;

import dev.ballast.controller.PassOutcome;
import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.source.SourceHealth;
import dev.ballast.schema.Snapshot;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What the controller counts: reconcile passes and their duration, snapshots published and their size, each source's
 * health, Docker API calls by operation, and replicas by state with their lag. Gauges are read when scraped.
 */
public final class ControllerMetrics {

    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("operation");
    private static final AttributeKey<String> SOURCE = AttributeKey.stringKey("source");
    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final AttributeKey<String> REPLICA = AttributeKey.stringKey("replica");
    private static final List<Double> SECONDS = List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            2.5, 5.0, 10.0, 30.0);
    private static final List<String> STATES = List.of("Ready", "Pending", "Degraded");

    private final DoubleHistogram passes;
    private final DoubleHistogram dockerCalls;
    private final LongCounter published;

    public ControllerMetrics(Meter meter, Supplier<Snapshot> current, Supplier<List<SourceHealth>> sources,
                             Supplier<List<ReplicaRegistry.ReplicaView>> replicas) {
        passes = meter.histogramBuilder("ballast.reconcile.duration").setUnit("s")
                .setDescription("Reconcile passes, by outcome (published, unchanged, not_synced, failed)")
                .setExplicitBucketBoundariesAdvice(SECONDS).build();
        dockerCalls = meter.histogramBuilder("ballast.docker.request.duration").setUnit("s")
                .setDescription("Docker API calls (with their retries), by operation and outcome")
                .setExplicitBucketBoundariesAdvice(SECONDS).build();
        published = meter.counterBuilder("ballast.snapshot.published").setDescription("Snapshot versions published")
                .build();
        meter.gaugeBuilder("ballast.snapshot.routes").ofLongs().setDescription("Routes in the desired snapshot")
                .buildWithCallback(m -> m.record(current.get().routes().size()));
        meter.gaugeBuilder("ballast.snapshot.endpoints").ofLongs()
                .setDescription("Endpoints in the desired snapshot, all services together")
                .buildWithCallback(m -> m.record(current.get().endpoints().stream()
                        .mapToLong(e -> e.endpoints().size()).sum()));
        meter.gaugeBuilder("ballast.source.healthy").ofLongs()
                .setDescription("1 when the source's last read succeeded, by source")
                .buildWithCallback(m -> sources.get().forEach(s ->
                        m.record(s.healthy() ? 1 : 0, Attributes.of(SOURCE, s.name()))));
        ObservableLongMeasurement byState = meter.gaugeBuilder("ballast.replicas").ofLongs()
                .setDescription("Replicas seen, by state").buildObserver();
        ObservableDoubleMeasurement lag = meter.gaugeBuilder("ballast.replica.lag").setUnit("s")
                .setDescription("How long each replica has been behind the desired version (0 when current)")
                .buildObserver();
        // One evaluation of the replicas per scrape for both instruments.
        meter.batchCallback(() -> {
            List<ReplicaRegistry.ReplicaView> views = replicas.get();
            Map<String, Long> counts = new TreeMap<>();
            STATES.forEach(s -> counts.put(s, 0L));
            views.forEach(r -> counts.merge(r.state(), 1L, Long::sum));
            counts.forEach((state, n) -> byState.record(n, Attributes.of(STATE, state)));
            views.forEach(r -> lag.record(r.lag().toMillis() / 1000.0, Attributes.of(REPLICA, r.id())));
        }, byState, lag);
    }

    /** A reconcile pass ended. */
    public void pass(PassOutcome outcome, long nanos) {
        passes.record(nanos / 1e9, Attributes.of(OUTCOME, outcome.label()));
        if (outcome == PassOutcome.PUBLISHED) {
            published.add(1);
        }
    }

    /** A Docker API call ended ({@code failed}: after its retries). */
    public void dockerCall(String operation, boolean failed, long nanos) {
        dockerCalls.record(nanos / 1e9, Attributes.of(OPERATION, operation, OUTCOME, failed ? "failed" : "ok"));
    }
}
