package dev.ballast.dataplane.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The request framing the proxy refuses beyond Netty's decoder: a {@code Content-Length} with leading zeros (which an
 * octal reader frames otherwise), transfer codings besides {@code chunked} (which the proxy, chunking the body anew,
 * would drop), and, through the decoder's headers, a second {@code Content-Length} line, which Netty's decoder drops in
 * HTTP/1.0 (keeping the first), so that the request framed by the last one would carry another.
 */
class FramingTest {

    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Content-Length: 0                                    | ",
        "Content-Length: 35                                   | ",
        "Content-Length: 035                                  | Content-Length \"035\" is not a number",
        "Content-Length: 00                                   | Content-Length \"00\" is not a number",
        "Transfer-Encoding: Chunked                           | ",
        "Transfer-Encoding: gzip, chunked                     | \"gzip, chunked\" applies codings the proxy does not",
        "Transfer-Encoding: gzip; Transfer-Encoding: chunked  | \"gzip,chunked\" applies codings the proxy does not",
    })
    void whatTheProxyCouldNotPassOnAsItCameIsRefused(String headers, String problem) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String header : headers.split(";")) {
            String[] kv = header.split(":", 2);
            h.add(kv[0].trim(), kv[1].trim());
        }
        Optional<String> found = Framing.problem(h);
        if (problem == null) {
            assertThat(found).isEmpty();
        } else {
            assertThat(found).hasValueSatisfying(p -> assertThat(p).contains(problem));
        }
    }

    @Test
    void nettyAloneReadsTheFirstOfTwoContentLengthsInHttp10AndTheSecondRequestHidingBehindIt() {
        String bytes = "POST /u HTTP/1.0\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\n" + SMUGGLED;
        assertThat(decoded(new HttpDecoderConfig(), bytes)).as("why the headers must refuse it")
                .containsExactly("POST /u", "GET /smuggled");
        assertThat(decoded(new HttpDecoderConfig().setHeadersFactory(Framing.REQUEST_HEADERS), bytes))
                .containsExactly("refused: several Content-Length lines");
    }

    @Test
    void theDecodersHeadersKeepOneContentLengthAndEverythingElse() {
        HttpDecoderConfig config = new HttpDecoderConfig().setHeadersFactory(Framing.REQUEST_HEADERS);
        assertThat(decoded(config, "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX: 1\r\nX: 2\r\n\r\nhello"))
                .containsExactly("POST /u");
        assertThat(decoded(config, "POST /u HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello"))
                .containsExactly("refused: several Content-Length lines");
    }

    /** The requests a decoder with {@code config} finds in {@code bytes} ("METHOD uri"), or why it refused one. */
    private static List<String> decoded(HttpDecoderConfig config, String bytes) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpRequestDecoder(config));
        List<String> requests = new ArrayList<>();
        try {
            decoder.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
            for (Object msg; (msg = decoder.readInbound()) != null; ) {
                try {
                    if (((HttpObject) msg).decoderResult().isFailure()) {
                        requests.add("refused: " + ((HttpObject) msg).decoderResult().cause().getMessage());
                    } else if (msg instanceof HttpRequest request) {
                        requests.add(request.method() + " " + request.uri());
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        } finally {
            decoder.finishAndReleaseAll();
        }
        return requests;
    }
}
