package dev.ballast.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesAndHostPortTest {

    @ParameterizedTest
    @CsvSource({"8192, 8192", "16KiB, 16384", "1MiB, 1048576", "10MB, 10000000", "2g, 2147483648", "1 kb, 1000"})
    void sizes(String text, long bytes) {
        assertThat(Sizes.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "lots", "1TB", "-1", "1.5MiB"})
    void badSizesNameTheValue(String text) {
        assertThatThrownBy(() -> Sizes.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text.trim() + "\"");
    }

    @ParameterizedTest
    @CsvSource({"0.0.0.0:8080, 0.0.0.0, 8080", "[::1]:80, ::1, 80", ":80, 0.0.0.0, 80", "localhost:0, localhost, 0"})
    void hostPorts(String text, String host, int port) {
        assertThat(HostPort.parse(text)).isEqualTo(new HostPort(host, port));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8080", "host:http", "host:70000", "::1:80"})
    void badHostPorts(String text) {
        assertThatThrownBy(() -> HostPort.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text);
    }

    @Test
    void hostPortPrintsIpv6InBrackets() {
        assertThat(new HostPort("::1", 80)).hasToString("[::1]:80");
    }

    @Test
    void suggestionsPickTheNearestNameOrNone() {
        assertThat(Suggestions.nearest("servicePth", java.util.List.of("servicePath", "port")))
                .contains("servicePath");
        assertThat(Suggestions.nearest("prot", java.util.List.of("servicePath", "port"))).contains("port");
        assertThat(Suggestions.nearest("zzzzzz", java.util.List.of("servicePath", "port"))).isEmpty();
    }
}
