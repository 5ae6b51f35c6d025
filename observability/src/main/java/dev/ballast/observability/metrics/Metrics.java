package dev.ballast.observability.metrics;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A process's metrics: an OpenTelemetry meter provider whose instruments can always be scraped as Prometheus text
 * ({@link #scrape()}, served at {@code /metrics} by the process's own listener). Components take a {@link Meter} from
 * it; names and attributes follow OpenTelemetry's conventions, and the Prometheus names derive from them
 * ({@code http.server.request.duration} in seconds becomes {@code http_server_request_duration_seconds}).
 */
public final class Metrics implements Closeable {

    /** The content type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusMetricReader prometheus = PrometheusMetricReader.create();
    private final SdkMeterProvider provider;

    /** @param service the {@code service.name} of the resource ({@code ballast-dataplane}, {@code ballast-controller}) */
    public Metrics(String service) {
        provider = SdkMeterProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), service))))
                .registerMetricReader(prometheus)
                .build();
    }

    public Meter meter(String scope) {
        return provider.get(scope);
    }

    /** Every instrument's current value, in the Prometheus text format. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            PrometheusTextFormatWriter.create().write(out, prometheus.collect());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen writing to memory", e);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        provider.close();
    }
}
