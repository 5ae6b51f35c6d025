package dev.ballast.dataplane.telemetry;

import static dev.ballast.dataplane.telemetry.HttpAttributes.METHOD;
import static dev.ballast.dataplane.telemetry.HttpAttributes.ROUTE;
import static dev.ballast.dataplane.telemetry.HttpAttributes.SERVER_ADDRESS;
import static dev.ballast.dataplane.telemetry.HttpAttributes.STATUS;

import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.dataplane.limits.Refusal;
import dev.ballast.observability.netty.EventLoopWatchdog;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What the dataplane counts. The request path only calls a connection's {@link Recorder}, {@link #connectFailed},
 * {@link #tcpConnection} and {@link #upstreamTimeout}, and a connection's start {@link #proxyProtocol}: each finds
 * attributes built once and records into an instrument; gauges are read when scraped.
 */
public final class DataplaneMetrics {

    private static final AttributeKey<String> VERSION = AttributeKey.stringKey("version");
    private static final AttributeKey<Long> LOOP = AttributeKey.longKey("loop");
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
    /** Methods kept as they are; any other is {@code _OTHER} (OpenTelemetry's rule: clients choose methods). */
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");
    /** Seconds; from half a millisecond (a proxy's own answers) to ten seconds. */
    private static final List<Double> DURATION_BUCKETS = List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    /** The snapshot in force, as the gauges show it. */
    public record SnapshotFacts(String version, int routes, long appliedEpochMillis) {
    }

    private record RequestKey(String route, String method, int status) {
    }

    /** What became of a PROXY protocol header a client connection started with. */
    public enum ProxyProtocolResult {
        /** from one of {@code --trusted-proxies}, and well-formed: its source address is the client's */
        ACCEPTED,
        /** from anyone else: never believed, the connection is refused */
        REFUSED,
        /** from a trusted source, but malformed or not finished in time: the connection is closed */
        INVALID;

        private final Attributes attributes = Attributes.of(RESULT, name().toLowerCase(Locale.ROOT));
    }

    private final DoubleHistogram duration;
    private final LongCounter connectErrors;
    private final LongCounter timeouts;
    private final LongCounter proxyHeaders;
    private final LongCounter tcpConnections;
    private final LongCounter refusals;
    private final Map<RefusalKey, Attributes> refusalAttributes = new ConcurrentHashMap<>();
    private final Map<RequestKey, Attributes> requestAttributes = new ConcurrentHashMap<>();
    private final Map<String, Attributes> routeAttributes = new ConcurrentHashMap<>();

    /**
     * @param clients the open client connections
     * @param upstreams the endpoints of the routing table in force
     * @param snapshot the snapshot in force, or null before the first
     * @param loops the traffic event loops as the watchdog last saw them
     */
    public DataplaneMetrics(Meter meter, IntSupplier clients, Supplier<Collection<Upstream>> upstreams,
                            Supplier<SnapshotFacts> snapshot, Supplier<List<EventLoopWatchdog.LoopState>> loops) {
        duration = meter.histogramBuilder("http.server.request.duration").setUnit("s")
                .setDescription("Requests answered, by route, method and status, and how long they took")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        connectErrors = meter.counterBuilder("ballast.upstream.connect.errors")
                .setDescription("Upstream connections refused or timed out, by route").build();
        timeouts = meter.counterBuilder("ballast.upstream.timeouts")
                .setDescription("Upstreams silent past the server timeout, by route").build();
        proxyHeaders = meter.counterBuilder("ballast.proxy_protocol")
                .setDescription("PROXY protocol headers client connections started with, by result (accepted, "
                        + "refused, invalid)").build();
        tcpConnections = meter.counterBuilder("ballast.tcp.connections")
                .setDescription("Connections accepted on a port a TCP route claims, by route").build();
        refusals = meter.counterBuilder("ballast.refusals")
                .setDescription("Requests and connections refused by a limit, by reason and route (none for"
                        + " connections)").build();
        meter.upDownCounterBuilder("ballast.client.connections").setDescription("Open client connections")
                .buildWithCallback(m -> m.record(clients.getAsInt()));
        // The endpoint gauges are read together: one pass over the endpoints, one set of attributes each.
        ObservableLongMeasurement inFlight = meter.upDownCounterBuilder("ballast.upstream.in_flight")
                .setDescription("Requests in flight, by endpoint").buildObserver();
        ObservableDoubleMeasurement peakEwma = meter.gaugeBuilder("ballast.upstream.peak_ewma").setUnit("s")
                .setDescription("Peak-EWMA latency estimate the balancer uses, by endpoint").buildObserver();
        ObservableLongMeasurement ejections = meter.counterBuilder("ballast.upstream.ejections")
                .setDescription("Outlier ejections so far, by endpoint").buildObserver();
        meter.batchCallback(() -> {
            long now = System.nanoTime();
            for (Upstream u : upstreams.get()) {
                Attributes endpoint = Attributes.of(SERVER_ADDRESS, u.address());
                inFlight.record(u.inFlight(), endpoint);
                peakEwma.record(u.latencyNanos(now) / 1e9, endpoint);
                ejections.record(u.ejections(), endpoint);
            }
        }, inFlight, peakEwma, ejections);
        ObservableLongMeasurement appliedAt = meter.gaugeBuilder("ballast.snapshot.applied.time").setUnit("s")
                .ofLongs().setDescription("When the snapshot in force was applied (Unix time)").buildObserver();
        ObservableLongMeasurement routes = meter.gaugeBuilder("ballast.snapshot.routes").ofLongs()
                .setDescription("Routes in the snapshot in force").buildObserver();
        meter.batchCallback(() -> {
            SnapshotFacts s = snapshot.get();
            if (s != null) {
                Attributes version = Attributes.of(VERSION, s.version());
                appliedAt.record(s.appliedEpochMillis() / 1000, version);
                routes.record(s.routes(), version);
            }
        }, appliedAt, routes);
        meter.gaugeBuilder("ballast.event_loop.lag").setUnit("s")
                .setDescription("How long each traffic event loop's last heartbeat task waited to run (see /healthz)")
                .buildWithCallback(m -> loops.get().forEach(l -> m.record(l.lag().toNanos() / 1e9,
                        Attributes.of(LOOP, (long) l.loop()))));
    }

    private Attributes attributes(String route, String method, int status) {
        String m = METHODS.contains(method) ? method : "_OTHER";
        return requestAttributes.computeIfAbsent(new RequestKey(route, m, status), k -> k.route() == null
                ? Attributes.of(METHOD, k.method(), STATUS, (long) k.status())
                : Attributes.of(ROUTE, k.route(), METHOD, k.method(), STATUS, (long) k.status()));
    }

    /** A recorder for one connection (one event loop, no locking). */
    public Recorder recorder() {
        return new Recorder();
    }

    /**
     * Counts one connection's responses. A connection mostly repeats itself (same route, method, status), so the
     * attributes of the last one are kept and found again by identity, without a key or a map lookup.
     */
    public final class Recorder {
        private String route;
        private String method;
        private int status = -1;
        private Attributes attributes;

        private Recorder() {
        }

        /** A response sent: {@code route} is null when none matched. */
        public void request(String route, String method, int status, long nanos) {
            if (status != this.status || !Objects.equals(route, this.route) || !method.equals(this.method)) {
                this.attributes = attributes(route, method, status);
                this.route = route;
                this.method = method;
                this.status = status;
            }
            duration.record(nanos / 1e9, attributes);
        }
    }

    public void connectFailed(String route) {
        connectErrors.add(1, routeAttributes(route));
    }

    /** A connection was accepted for TCP route {@code route}. */
    public void tcpConnection(String route) {
        tcpConnections.add(1, routeAttributes(route));
    }

    public void upstreamTimeout(String route) {
        timeouts.add(1, routeAttributes(route));
    }

    /** A request of {@code route} (null: none matched yet, or a connection) was refused by a limit. */
    public void refused(String route, Refusal reason) {
        refusals.add(1, refusalAttributes.computeIfAbsent(new RefusalKey(route, reason), k -> k.route() == null
                ? Attributes.of(REASON, k.reason().label())
                : Attributes.of(ROUTE, k.route(), REASON, k.reason().label())));
    }

    private record RefusalKey(String route, Refusal reason) {
    }

    /** A client connection started with a PROXY protocol header, which became {@code result}. */
    public void proxyProtocol(ProxyProtocolResult result) {
        proxyHeaders.add(1, result.attributes);
    }

    private Attributes routeAttributes(String route) {
        return routeAttributes.computeIfAbsent(route, r -> Attributes.of(ROUTE, r));
    }
}
