package dev.ballast.dataplane.tls;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * TLS on the replica's listeners: handshakes by result and protocol version, and each served certificate's not-after
 * (so an alert can fire weeks before a certificate expires).
 */
public final class TlsMetrics {

    /** How a connection's TLS start ended. */
    public enum Result {
        /** handshake completed */
        OK,
        /** handshake failed: no common protocol or cipher, a bad record, a timeout, no certificate */
        FAILED,
        /** plain HTTP (or other bytes) sent to a TLS listener */
        PLAINTEXT;

        private final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("result");
    private static final AttributeKey<String> PROTOCOL = AttributeKey.stringKey("tls.protocol.version");
    private static final AttributeKey<String> NAME = AttributeKey.stringKey("certificate");

    private final LongCounter handshakes;
    private final Map<String, Attributes> attributes = new ConcurrentHashMap<>();

    public TlsMetrics(Meter meter, Supplier<CertificateTable> table) {
        handshakes = meter.counterBuilder("ballast.tls.handshakes")
                .setDescription("TLS handshakes on the HTTPS listeners, by result and protocol version").build();
        meter.gaugeBuilder("ballast.tls.certificate.not_after").setUnit("s").ofLongs()
                .setDescription("When each served certificate expires (seconds since the epoch)")
                .buildWithCallback(m -> table.get().certificates().forEach(c -> m.record(
                        c.notAfter().getEpochSecond(), Attributes.of(NAME, c.name()))));
    }

    /** A handshake ended; {@code protocol} is {@code TLSv1.3} or the like, null when none was agreed. */
    void handshake(Result result, String protocol) {
        String version = protocol == null ? "none" : protocol;
        handshakes.add(1, attributes.computeIfAbsent(result.label + " " + version,
                k -> Attributes.of(RESULT, result.label, PROTOCOL, version)));
    }
}
