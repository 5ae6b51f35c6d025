package dev.ballast.dataplane.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CompressionPolicyTest {

    private static final CompressionPolicy BOTH = new CompressionPolicy(List.of("gzip", "deflate"), List.of());

    private static HttpRequest request(HttpMethod method, HttpVersion version, String acceptEncoding) {
        HttpRequest request = new DefaultHttpRequest(version, method, "/");
        if (acceptEncoding != null) {
            request.headers().set("Accept-Encoding", acceptEncoding);
        }
        return request;
    }

    @ParameterizedTest(name = "Accept-Encoding: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            gzip                          | gzip
            deflate                       | deflate
            'deflate, gzip'               | gzip
            'deflate;q=1, gzip;q=0.2'     | gzip
            'gzip;q=0, deflate'           | deflate
            'GZIP;Q=0.5'                  | gzip
            x-gzip                        | gzip
            '*'                           | gzip
            '*;q=0, deflate'              | deflate
            'gzip;q=0, *'                 | deflate
            'gzip;q=0, deflate;q=0.000'   | none
            '*;q=0'                       | none
            'br, identity'                | none
            'gzip;q=x'                    | none
            ''                            | none
            none                          | none
            """)
    void theProxysFirstChoiceAmongTheCodingsTheClientAccepts(String acceptEncoding, String chosen) {
        ContentCoding coding = BOTH.negotiate(request(HttpMethod.GET, HttpVersion.HTTP_1_1, acceptEncoding));
        assertThat(coding == null ? null : coding.token()).isEqualTo(chosen);
    }

    @Test
    void headHttp10AndNoTransformRequestsAreNotCompressed() {
        assertThat(BOTH.negotiate(request(HttpMethod.HEAD, HttpVersion.HTTP_1_1, "gzip"))).isNull();
        assertThat(BOTH.negotiate(request(HttpMethod.GET, HttpVersion.HTTP_1_0, "gzip"))).isNull();
        HttpRequest noTransform = request(HttpMethod.GET, HttpVersion.HTTP_1_1, "gzip");
        noTransform.headers().set("Cache-Control", "max-age=0, No-Transform");
        assertThat(BOTH.negotiate(noTransform)).isNull();
        assertThat(BOTH.negotiate(request(HttpMethod.POST, HttpVersion.HTTP_1_1, "gzip")))
                .isEqualTo(ContentCoding.GZIP);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            text/html; charset=utf-8      | true
            TEXT/CSS                      | true
            application/json              | true
            application/problem+json      | true
            application/atom+xml          | true
            image/svg+xml                 | true
            application/javascript        | true
            image/png                     | false
            application/octet-stream      | false
            application/jsonx             | false
            """)
    void theDefaultTypesAreTextual(String contentType, boolean compressed) {
        assertThat(BOTH.compressedType(contentType)).isEqualTo(compressed);
    }

    @Test
    void listedTypesAreMatchedExactlyOrByTheirType() {
        CompressionPolicy listed = new CompressionPolicy(List.of("gzip"), List.of("text/plain", "Application/*"));
        assertThat(listed.compressedType("text/plain;charset=utf-8")).isTrue();
        assertThat(listed.compressedType("application/octet-stream")).isTrue();
        assertThat(listed.compressedType("text/html")).isFalse();
        assertThat(listed.compressedType("image/svg+xml")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 1024\\n'                   | true
            'HTTP/1.1 203 OK\\nContent-Type: text/html\\nTransfer-Encoding: chunked\\n'             | true
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 1023\\n'                   | false
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\n'                                         | false
            'HTTP/1.0 200 OK\\nContent-Type: text/html\\nContent-Length: 5000\\n'                   | false
            'HTTP/1.1 204 No Content\\nContent-Type: text/html\\n'                                 | false
            'HTTP/1.1 206 Partial\\nContent-Type: text/html\\nContent-Length: 5000\\n'              | false
            'HTTP/1.1 404 Not Found\\nContent-Type: text/html\\nContent-Length: 5000\\n'            | false
            'HTTP/1.1 200 OK\\nContent-Length: 5000\\n'                                            | false
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 5000\\nContent-Encoding: identity\\n' | false
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 5000\\nCache-Control: no-transform\\n' | false
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 5000\\nContent-Range: bytes 0-1/2\\n' | false
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 5000\\nETag: "a"\\nETag: "b"\\n'   | false
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 5000\\nETag: unquoted\\n'         | false
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nContent-Length: 5000\\nETag: W/"weak"\\n'         | true
            'HTTP/1.1 200 OK\\nContent-Type: text/html\\nTransfer-Encoding: gzip, chunked\\n'       | false
            """)
    void whichResponsesAreCompressed(String head, boolean compressed) {
        ByteBuf buf = Unpooled.copiedBuffer(head.replace("\\n", "\r\n") + "\r\n", StandardCharsets.ISO_8859_1);
        ResponseHead parsed = ResponseHead.parse(buf, 0, buf.writerIndex());
        try {
            assertThat(BOTH.applies(parsed)).isEqualTo(compressed);
        } finally {
            parsed.release();
            buf.release();
        }
    }
}
