package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.json;

import dev.ballast.observability.netty.EventLoopWatchdog;
import dev.ballast.observability.telemetry.Telemetry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the API's event loops answer in time), {@code /readyz} (every source has synced, the first
 * snapshot is published, and the loops answer) and {@code /metrics} (Prometheus text).
 */
final class Probes extends Endpoint {

    private final EventLoopWatchdog watchdog;
    private final ControllerStatus status;
    private final BooleanSupplier published;
    private final Supplier<byte[]> metrics;

    /** @param published whether the first snapshot has been published (before it, a replica's pull would wait) */
    Probes(EventLoopWatchdog watchdog, ControllerStatus status, BooleanSupplier published, Supplier<byte[]> metrics) {
        super(Set.of("/healthz", "/readyz", "/metrics"));
        this.watchdog = watchdog;
        this.status = status;
        this.published = published;
        this.metrics = metrics;
    }

    @Override
    void handle(ChannelHandlerContext ctx, ApiRequest request) {
        switch (request.path()) {
            case "/healthz" -> {
                EventLoopWatchdog.Health health = watchdog.health();
                json(ctx, health.ok() ? 200 : 503, health.body());
            }
            case "/readyz" -> ready(ctx);
            default -> Responses.send(ctx, HttpResponseStatus.OK, metrics.get(), null, Telemetry.CONTENT_TYPE);
        }
    }

    private void ready(ChannelHandlerContext ctx) {
        List<String> reasons = new ArrayList<>(status.sources().stream().filter(s -> !s.synced())
                .map(s -> s.name() + ": not synced yet" + (s.lastError() == null ? "" : " (" + s.lastError() + ")"))
                .toList());
        // The sources may all have synced while the pass that publishes is still running: until it has, a replica
        // has nothing to pull, and /v1/status says "published": false.
        if (!published.getAsBoolean()) {
            reasons.add("no snapshot published yet");
        }
        if (!watchdog.responsive()) {
            reasons.add("an event loop of the API is stalled (see /healthz)");
        }
        boolean ready = reasons.isEmpty();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ready", ready);
        out.put("reasons", reasons);
        json(ctx, ready ? 200 : 503, out);
    }
}
