package dev.ballast.observability.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the OTEL_* settings (here as the equivalent system properties) make of a process's telemetry. */
class TelemetryConfigurationTest {

    @AfterEach
    void clear() {
        List.of("otel.exporter.otlp.endpoint", "otel.exporter.otlp.protocol", "otel.traces.exporter",
                        "otel.java.exporter.memory_mode")
                .forEach(System::clearProperty);
    }

    @Test
    void nothingIsExportedUnlessAnEndpointIsGiven() {
        try (Telemetry telemetry = Telemetry.fromEnvironment("test")) {
            assertThat(telemetry.tracing()).isFalse();
        }
    }

    @Test
    void anEndpointAloneIsEnoughAndEitherProtocolWorks() {
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:9");
        try (Telemetry telemetry = Telemetry.fromEnvironment("test")) { // http/protobuf unless told otherwise
            assertThat(telemetry.tracing()).isTrue();
        }
        System.setProperty("otel.exporter.otlp.protocol", "grpc");
        try (Telemetry telemetry = Telemetry.fromEnvironment("test")) {
            assertThat(telemetry.tracing()).isTrue();
        }
    }

    @Test
    void spansAreEncodedIntoReusedBuffersUnlessSetOtherwise() {
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:9");
        try (Telemetry telemetry = Telemetry.fromEnvironment("test")) {
            assertThat(telemetry.describe()).contains("OtlpHttpSpanExporter").contains("memoryMode=REUSABLE_DATA")
                    .doesNotContain("IMMUTABLE_DATA");
        }
        System.setProperty("otel.java.exporter.memory_mode", "immutable_data");
        try (Telemetry telemetry = Telemetry.fromEnvironment("test")) {
            assertThat(telemetry.describe()).contains("OtlpHttpSpanExporter").contains("memoryMode=IMMUTABLE_DATA");
        }
    }

    @Test
    void aBadSettingIsRefusedNamingIt() {
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:9");
        System.setProperty("otel.exporter.otlp.protocol", "carrier-pigeon");
        assertThatThrownBy(() -> Telemetry.fromEnvironment("test")).isInstanceOf(Telemetry.SettingsException.class)
                .hasMessageStartingWith("OpenTelemetry settings (OTEL_* variables): ")
                .hasMessageContaining("carrier-pigeon");
    }
}
