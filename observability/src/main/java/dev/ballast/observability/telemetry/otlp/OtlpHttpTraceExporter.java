package dev.ballast.observability.telemetry.otlp;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Spans over OTLP/HTTP with protobuf, encoded by {@link OtlpTraceEncoder} into one reused buffer and posted by
 * {@link HttpPoster} from the calling thread (the batch span processor's worker, which waits for each export anyway).
 * It takes the place of the SDK's exporter for plain {@code http://} endpoints without compression or client
 * certificates ({@link #fromSettings}): at a proxy's span rate the SDK's generic marshaller and OkHttp's call took
 * about twice the CPU (in {@code bench/tracing-cost.sh}, 27% of the event loop's samples in the exporting threads
 * against 13%), CPU the event loops then lack. Anything else stays with the SDK's exporter.
 *
 * <p>A zero timeout means none, as it does for the SDK's exporter.
 *
 * <p>Like the SDK's, it retries what the OTLP specification calls retryable (HTTP 429, 502, 503, 504 and failures to
 * connect) with a growing, jittered delay, within the export timeout; a batch that still fails is dropped and a
 * warning says why ({@link ExportWarnings}: the first at once, then at most one a minute with the count).
 */
public final class OtlpHttpTraceExporter implements SpanExporter {

    private static final List<Integer> RETRYABLE = List.of(429, 502, 503, 504);
    private static final int MAX_ATTEMPTS = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final URI endpoint;
    private final Duration timeout;
    private final HttpPoster poster;
    private final ProtoWriter buffer = new ProtoWriter(256 * 1024);
    private final OtlpTraceEncoder encoder = new OtlpTraceEncoder(buffer);
    private final ExportWarnings warnings;
    private boolean shutdown; // guarded by this, as export and shutdown are

    OtlpHttpTraceExporter(URI endpoint, Map<String, String> headers, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.poster = new HttpPoster(endpoint, "application/x-protobuf", headers, timeout);
        this.warnings = new ExportWarnings(endpoint);
    }

    /**
     * This exporter for the OTLP settings given, when they ask for nothing it does not do: {@code http/protobuf} to an
     * {@code http://} endpoint, no compression, no certificates. Read as the SDK reads them: the traces-specific
     * setting first, then the general one; the general endpoint gets {@code v1/traces} appended.
     */
    public static Optional<OtlpHttpTraceExporter> fromSettings(ConfigProperties config) {
        Function<String, String> setting = name -> Optional.ofNullable(
                config.getString("otel.exporter.otlp.traces." + name))
                .orElse(config.getString("otel.exporter.otlp." + name));
        String protocol = setting.apply("protocol");
        String compression = setting.apply("compression");
        boolean certificates = List.of("certificate", "client.key", "client.certificate").stream()
                .anyMatch(name -> setting.apply(name) != null);
        String endpoint = config.getString("otel.exporter.otlp.traces.endpoint");
        if (endpoint == null) {
            String general = config.getString("otel.exporter.otlp.endpoint", "http://localhost:4318");
            endpoint = general + (general.endsWith("/") ? "" : "/") + "v1/traces";
        }
        if (!"http/protobuf".equals(protocol) || (compression != null && !"none".equals(compression))
                || certificates || !endpoint.startsWith("http://")) {
            return Optional.empty();
        }
        Map<String, String> headers = config.getMap("otel.exporter.otlp.traces.headers");
        if (headers.isEmpty()) {
            headers = config.getMap("otel.exporter.otlp.headers");
        }
        Duration timeout = Optional.ofNullable(config.getDuration("otel.exporter.otlp.traces.timeout"))
                .or(() -> Optional.ofNullable(config.getDuration("otel.exporter.otlp.timeout")))
                .orElse(Duration.ofSeconds(10));
        try {
            return Optional.of(new OtlpHttpTraceExporter(URI.create(endpoint), headers.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey,
                            e -> URLDecoder.decode(e.getValue(), StandardCharsets.UTF_8))), timeout));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // what the SDK's exporter accepted and we cannot read stays with it
        }
    }

    /** Synchronized: the one buffer is reused, and a flush at shutdown may come from another thread. */
    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        if (shutdown) {
            return CompletableResultCode.ofFailure();
        }
        buffer.clear();
        encoder.encode(spans);
        String failure = send();
        if (failure == null) {
            return CompletableResultCode.ofSuccess();
        }
        warnings.failed(spans.size(), failure);
        return CompletableResultCode.ofFailure();
    }

    /** Posts what the buffer holds, retrying what may succeed later; returns null on success, else why it failed. */
    private String send() {
        boolean unlimited = timeout.isZero();
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            String failure;
            boolean retryable;
            try {
                int status = poster.post(buffer.array(), buffer.length());
                if (status / 100 == 2) {
                    return null;
                }
                failure = "HTTP " + status;
                retryable = RETRYABLE.contains(status);
            } catch (IOException e) {
                failure = e.toString();
                retryable = true;
            }
            long delay = ThreadLocalRandom.current().nextLong(backoff.toNanos() / 2, backoff.toNanos() + 1);
            if (!retryable || attempt == MAX_ATTEMPTS || !unlimited && System.nanoTime() + delay - deadline > 0) {
                return failure + (attempt > 1 ? " (after " + attempt + " attempts)" : "");
            }
            try {
                Thread.sleep(delay / 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return failure + " (interrupted while waiting to retry)";
            }
            backoff = backoff.multipliedBy(3).dividedBy(2);
            backoff = backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
        }
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess(); // nothing is held: each export is sent before it returns
    }

    @Override
    public synchronized CompletableResultCode shutdown() {
        shutdown = true;
        poster.close();
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public String toString() {
        return "OtlpHttpTraceExporter{endpoint=" + endpoint + "}";
    }
}
