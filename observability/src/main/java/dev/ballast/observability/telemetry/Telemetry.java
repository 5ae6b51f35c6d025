package dev.ballast.observability.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process's OpenTelemetry: metrics that can always be scraped as Prometheus text ({@link #scrape()}, served at
 * {@code /metrics} by the process's own listener) and traces. Configured by the standard {@code OTEL_*} environment
 * variables (autoconfigure); nothing is exported unless {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or an
 * {@code OTEL_*_EXPORTER}) says where. With traces not exported, {@link #tracer} is a no-op, so the request path pays
 * nothing for them; an incoming {@code traceparent} still passes through as any header does.
 *
 * <p>OTLP goes as {@code http/protobuf} unless {@code OTEL_EXPORTER_OTLP_PROTOCOL} says {@code grpc}: the protocol the
 * OpenTelemetry specification makes the default (the Java SDK alone still defaults to grpc), so an endpoint on port
 * 4318 is all it takes. The SDK's exporters send it (by OkHttp), reusing their encoding buffers from batch to batch
 * ({@code otel.java.exporter.memory_mode=reusable_data} unless set otherwise): at a proxy's span rate, batches
 * encoded into new buffers would add to the garbage whose collections pause the event loops.
 */
public final class Telemetry implements Closeable {

    /** The content type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusMetricReader prometheus;
    private final OpenTelemetrySdk sdk;
    private final boolean tracing;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Telemetry(PrometheusMetricReader prometheus, OpenTelemetrySdk sdk, boolean tracing) {
        this.prometheus = prometheus;
        this.sdk = sdk;
        this.tracing = tracing;
    }

    /**
     * From the environment and system properties, as OpenTelemetry SDKs are everywhere.
     *
     * @param service the default {@code service.name} ({@code ballast-dataplane}, {@code ballast-controller})
     * @throws SettingsException when the settings cannot be used
     */
    public static Telemetry fromEnvironment(String service) {
        PrometheusMetricReader prometheus = PrometheusMetricReader.create();
        AtomicBoolean tracing = new AtomicBoolean();
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> Map.of("otel.service.name", service, "otel.logs.exporter", "none",
                            "otel.propagators", "tracecontext,baggage", "otel.exporter.otlp.protocol", "http/protobuf",
                            "otel.java.exporter.memory_mode", "reusable_data"))
                    .addPropertiesCustomizer(Telemetry::exporters)
                    // applied after the one above: sees the exporter it chose
                    .addPropertiesCustomizer(config -> {
                        tracing.set(!"none".equals(config.getString("otel.traces.exporter")));
                        return Map.of();
                    })
                    .addMeterProviderCustomizer((builder, config) -> builder.registerMetricReader(prometheus))
                    .disableShutdownHook() // closed with the process's own components, in order
                    .build().getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            throw new SettingsException("OpenTelemetry settings (OTEL_* variables): " + reason(e), e);
        }
        return new Telemetry(prometheus, sdk, tracing.get());
    }

    /**
     * Traces and metrics go to OTLP when an OTLP endpoint is set and nowhere otherwise, unless {@code OTEL_*_EXPORTER}
     * says (the SDK alone would export to localhost:4317 by default).
     */
    private static Map<String, String> exporters(ConfigProperties config) {
        boolean endpoint = config.getString("otel.exporter.otlp.endpoint") != null
                || config.getString("otel.exporter.otlp.traces.endpoint") != null;
        Map<String, String> chosen = new HashMap<>();
        for (String signal : List.of("otel.traces.exporter", "otel.metrics.exporter")) {
            if (config.getString(signal) == null) {
                chosen.put(signal, endpoint ? "otlp" : "none");
            }
        }
        return chosen;
    }

    /** The OTEL_* settings cannot be used (an unknown protocol or exporter, a malformed endpoint…): says which. */
    public static final class SettingsException extends RuntimeException {
        SettingsException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** For tests: every span to {@code spans} as it ends, all sampled; metrics scrapeable. */
    public static Telemetry forTests(String service, SpanExporter spans) {
        PrometheusMetricReader prometheus = PrometheusMetricReader.create();
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), service)));
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setResource(resource).setSampler(Sampler.alwaysOn())
                        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setMeterProvider(SdkMeterProvider.builder().setResource(resource).registerMetricReader(prometheus)
                        .build())
                .build();
        return new Telemetry(prometheus, sdk, true);
    }

    /** Whether spans are recorded and exported. */
    public boolean tracing() {
        return tracing;
    }

    public Meter meter(String scope) {
        return sdk.getMeterProvider().get(scope);
    }

    public Tracer tracer(String scope) {
        return tracing ? sdk.getTracerProvider().get(scope) : TracerProvider.noop().get(scope);
    }

    /** W3C trace context (and baggage, as configured) in and out of HTTP headers. */
    public TextMapPropagator propagator() {
        TextMapPropagator configured = sdk.getPropagators().getTextMapPropagator();
        return configured == TextMapPropagator.noop() ? W3CTraceContextPropagator.getInstance() : configured;
    }

    /** Every metric's current value, in the Prometheus text format. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            PrometheusTextFormatWriter.create().write(out, prometheus.collect());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen writing to memory", e);
        }
        return out.toByteArray();
    }

    /** The SDK's components and their settings, for tests. */
    String describe() {
        return sdk.toString();
    }

    /** Flushes and stops the exporters; closing again does nothing (a drained server is closed twice). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            sdk.close();
        }
    }

    /** The innermost message: autoconfigure wraps the one that names the setting at fault. */
    private static String reason(Throwable e) {
        String reason = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().equals("Unexpected configuration error")) {
                reason = t.getMessage();
            }
        }
        return reason;
    }
}
