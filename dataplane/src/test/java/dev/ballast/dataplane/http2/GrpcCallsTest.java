package dev.ballast.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code grpc-timeout} values as gRPC writes them, and ones no client should send, and the proxy's own statuses. */
class GrpcCallsTest {

    private static final Duration ROUTE = Duration.ofSeconds(30);

    @ParameterizedTest
    @CsvSource({"1H, PT30S", "2M, PT30S", "5S, PT5S", "250m, PT0.25S", "1500u, PT0.0015S", "100n, PT0.001S",
            "0m, PT0.001S"})
    void aTimeoutShorterThanTheRoutesBoundsTheWait(String header, Duration expected) {
        assertThat(GrpcCalls.bound(ROUTE, headers(header))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"''", "5", "S", "5s", "5X", "-5S", "123456789S", "5.5S", "abcS"})
    void aMalformedTimeoutIsIgnored(String header) {
        assertThat(GrpcCalls.bound(ROUTE, headers(header))).isEqualTo(ROUTE);
    }

    @Test
    void noTimeoutLeavesTheRoutes() {
        assertThat(GrpcCalls.bound(ROUTE, new DefaultHttpHeaders())).isEqualTo(ROUTE);
    }

    @ParameterizedTest
    @CsvSource({"404, 12", "405, 12", "503, 14", "502, 14", "429, 14", "504, 4", "408, 4", "401, 16", "403, 7",
            "400, 13", "500, 2"})
    void theProxysAnswersMapToGrpcStatuses(int http, int grpc) {
        Http2Headers headers = new DefaultHttp2Headers().status("" + http).add("content-length", "12");
        GrpcCalls.trailersOnly(headers, http, "no route for x/ü 100%");
        assertThat(headers.status().toString()).isEqualTo("200");
        assertThat(headers.get("grpc-status").toString()).isEqualTo("" + grpc);
        assertThat(headers.get("content-type").toString()).isEqualTo("application/grpc");
        assertThat(headers.contains("content-length")).isFalse();
        assertThat(headers.get("grpc-message").toString()).isEqualTo("no route for x/%C3%BC 100%25");
    }

    @Test
    void callsAreTheRequestsOfGrpcContentTypes() {
        assertThat(GrpcCalls.isCall("application/grpc")).isTrue();
        assertThat(GrpcCalls.isCall("application/grpc+proto")).isTrue();
        assertThat(GrpcCalls.isCall("Application/GRPC")).isTrue();
        assertThat(GrpcCalls.isCall("application/json")).isFalse();
        assertThat(GrpcCalls.isCall(null)).isFalse();
    }

    private static HttpHeaders headers(String grpcTimeout) {
        return new DefaultHttpHeaders().set("grpc-timeout", grpcTimeout);
    }
}
