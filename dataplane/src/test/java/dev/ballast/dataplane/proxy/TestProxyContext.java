package dev.ballast.dataplane.proxy;

import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.access.AccessPolicy;
import dev.ballast.dataplane.access.BasicAuth;
import dev.ballast.dataplane.exchange.CompressionPolicy;
import dev.ballast.dataplane.health.HealthChecks;
import dev.ballast.dataplane.limits.Admission;
import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.dataplane.telemetry.AccessLog;
import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.RequestTracing;
import dev.ballast.dataplane.tls.BackendTls;
import dev.ballast.schema.Snapshot;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A proxy context of real parts for the tests of single handlers: the routing table of a snapshot, upstream sets,
 * the access policy; metrics and tracing that record nowhere, no access log, the built-in error answers. The
 * timeouts a test does not name are long enough never to fire while it runs.
 */
final class TestProxyContext {

    private TestProxyContext() {
    }

    /** @param compression what is compressed; null: nothing */
    static ProxyContext of(Snapshot routes, HealthChecks health, Duration serverTimeout, Duration clientTimeout,
                           CompressionPolicy compression) {
        DataplaneMetrics metrics = new DataplaneMetrics(MeterProvider.noop().get("test"), () -> 0, List::of,
                () -> null, List::of);
        Duration never = Duration.ofMinutes(10);
        return new ProxyContext(new AtomicReference<>(RoutingTable.compile(routes)), new Upstreams(health),
                new AccessPolicy(new BasicAuth()), Duration.ofSeconds(1), serverTimeout, never, never, never,
                clientTimeout, metrics, new AccessLog(false),
                new RequestTracing(TracerProvider.noop().get("test"), TextMapPropagator.noop(), false),
                compression, ErrorPages.NONE, BackendTls.context(Optional.empty()),
                Admission.of(DataplaneConfig.Limits.DEFAULT));
    }
}
