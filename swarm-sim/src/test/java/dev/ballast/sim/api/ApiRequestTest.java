package dev.ballast.sim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiRequestTest {

    private static ApiRequest request(HttpMethod method, String path, String body) {
        return ApiRequest.of(method, path, Map.of("status", List.of("TRUE"), "n", List.of("0")),
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), 44, true);
    }

    @Test
    void splitsThePathKeepingEmptySegments() {
        ApiRequest r = request(HttpMethod.GET, "/services/", "");
        assertThat(r.segments()).containsExactly("services", "");
        assertThat(r.is("GET", 2)).isTrue();
        assertThat(r.is("POST", 2)).isFalse();
        assertThat(r.is("GET", 1)).isFalse();
    }

    @Test
    void flagsAreOneOrTrueInAnyCase() {
        ApiRequest r = request(HttpMethod.GET, "/services", "");
        assertThat(r.flag("status")).isTrue();
        assertThat(r.flag("n")).isFalse();
        assertThat(r.flag("missing")).isFalse();
        assertThat(r.param("missing")).isNull();
    }

    @Test
    void bodiesMustBeJsonObjects() {
        assertThat(request(HttpMethod.POST, "/x", "{\"a\":1}").jsonBody().path("a").asInt()).isEqualTo(1);
        assertThatThrownBy(() -> request(HttpMethod.POST, "/x", " ").jsonBody())
                .hasMessage("invalid JSON: got EOF while reading request body");
        assertThatThrownBy(() -> request(HttpMethod.POST, "/x", "[1]").jsonBody())
                .hasMessage("invalid JSON: expected an object");
    }
}
