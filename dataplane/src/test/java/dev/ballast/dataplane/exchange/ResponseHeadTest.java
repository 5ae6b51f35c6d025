package dev.ballast.dataplane.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.schema.HeaderOperations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseHeadTest {

    /** Parses {@code text} (line ends written as \n, sent as CRLF) and applies {@code use} to it; releases all. */
    private static Object with(String text, Function<ResponseHead, Object> use) {
        ByteBuf buf = Unpooled.copiedBuffer(text.replace("\n", "\r\n"), StandardCharsets.ISO_8859_1);
        try {
            int end = ResponseHead.end(buf, 0, 0, buf.writerIndex());
            assertThat(end).as("a whole head").isPositive();
            ResponseHead head = ResponseHead.parse(buf, 0, end);
            try {
                return use.apply(head);
            } finally {
                head.release();
            }
        } finally {
            buf.release();
        }
    }

    /** What {@code encode} makes of the head {@code text}, line ends written as \n. */
    private static String encoded(String text, Function<ResponseHead, ByteBuf> encode) {
        return (String) with(text, head -> {
            ByteBuf out = encode.apply(head);
            try {
                return out.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
            } finally {
                out.release();
            }
        });
    }

    @Test
    void theClientGetsTheLinesAsTheyCameWithoutHopByHopOnesAndWithTheRulesChanges() {
        HeaderOperations ops = new HeaderOperations(Map.of("X-Frame-Options", "DENY"), Map.of("x-replace", "new"),
                List.of("server"));
        String encoded = encoded("""
                HTTP/1.1 200 OK
                Connection: keep-alive, X-Hop
                Server: nginx
                Content-Length:   5\t
                X-Hop: secret
                Keep-Alive: timeout=5
                X-Replace: old
                Proxy-Authenticate: Basic
                X-Kept:k

                """, head -> head.encode(ByteBufAllocator.DEFAULT, ops, true));
        assertThat(encoded).isEqualTo("""
                HTTP/1.1 200 OK
                Content-Length:   5
                X-Kept:k
                x-replace: new
                X-Frame-Options: DENY

                """);
    }

    @Test
    void manyLinesAndTheHeadAfterThemKeepEachTheirOwn() { // the lines are found in a scratch array per thread
        StringBuilder many = new StringBuilder("HTTP/1.1 200 OK\n");
        for (int i = 0; i < 40; i++) {
            many.append("X-Line-").append(i).append(": ").append(i).append('\n');
        }
        String head = many.append("Content-Length: 0\n\n").toString();
        assertThat(encoded(head, h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true)))
                .isEqualTo(head);
        String small = "HTTP/1.1 204 No Content\nA: b\n\n";
        assertThat(encoded(small, h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true)))
                .isEqualTo(small);
        assertThat(encoded(head, h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true)))
                .isEqualTo(head);
    }

    @Test
    void theConnectionHeaderSaysWhatTheProxyDoesWithTheClientConnection() {
        assertThat(encoded("HTTP/1.0 200 OK\nContent-Length: 0\n\n",
                h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true)))
                .isEqualTo("HTTP/1.0 200 OK\nContent-Length: 0\nConnection: keep-alive\n\n");
        assertThat(encoded("HTTP/1.1 200 OK\nConnection: close\nContent-Length: 0\n\n",
                h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, false)))
                .isEqualTo("HTTP/1.1 200 OK\nContent-Length: 0\nConnection: close\n\n");
        assertThat(encoded("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: upgrade\n\n",
                h -> h.encodeSwitch(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, h.upgrade())))
                .isEqualTo("HTTP/1.1 101 Switching Protocols\nConnection: upgrade\nUpgrade: websocket\n\n");
        assertThat(encoded("HTTP/1.1 103 Early Hints\nLink: </a.css>\nConnection: keep-alive\n\n",
                h -> h.encodeInterim(ByteBufAllocator.DEFAULT)))
                .isEqualTo("HTTP/1.1 103 Early Hints\nLink: </a.css>\n\n");
    }

    @Test
    void aStickySessionCookieIsAddedBesideTheBackendsOwn() {
        String cookie = "BALLAST_STICKY=abc; Path=/; HttpOnly; SameSite=Lax";
        assertThat(encoded("HTTP/1.1 200 OK\nSet-Cookie: session=1\nContent-Length: 0\n\n",
                h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, false, cookie, null)))
                .isEqualTo("HTTP/1.1 200 OK\nSet-Cookie: session=1\nContent-Length: 0\nSet-Cookie: " + cookie
                        + "\nConnection: close\n\n");
        assertThat(encoded("HTTP/1.1 200 OK\nContent-Length: 0\n\n",
                h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true, cookie, null)))
                .isEqualTo("HTTP/1.1 200 OK\nContent-Length: 0\nSet-Cookie: " + cookie + "\n\n");
        assertThat(encoded("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: upgrade\n\n",
                h -> h.encodeSwitch(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, h.upgrade(), cookie)))
                .isEqualTo("HTTP/1.1 101 Switching Protocols\nSet-Cookie: " + cookie
                        + "\nConnection: upgrade\nUpgrade: websocket\n\n");
    }

    @Test
    void framingAndKeepAliveFollowRfc9112() {
        assertThat(with("HTTP/1.1 200 OK\nContent-Length: 7\n\n", h -> List.of(h.contentLength(), h.chunked(),
                h.keepAlive(), h.endsWithClose(false)))).isEqualTo(List.of(7L, false, true, false));
        assertThat(with("HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n\n",
                h -> List.of(h.contentLength(), h.chunked()))).isEqualTo(List.of(-1L, true));
        assertThat(encoded("HTTP/1.1 200 OK\nContent-Length: 7\nX: y\nContent-Length: 7\n\n",
                h -> h.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true)))
                .as("a Content-Length repeated as it was is one, forwarded once (RFC 9110 §8.6)")
                .isEqualTo("HTTP/1.1 200 OK\nContent-Length: 7\nX: y\n\n");
        assertThat(with("HTTP/1.1 200 OK\nTransfer-Encoding: gzip\n\n", h -> List.of(h.endsWithClose(false),
                h.keepAlive()))).as("a coding that does not end in chunked ends with the close")
                .isEqualTo(List.of(true, false));
        assertThat(with("HTTP/1.0 200 OK\n\n", h -> List.of(h.endsWithClose(false), h.endsWithClose(true),
                h.keepAlive()))).isEqualTo(List.of(true, false, false));
        assertThat(with("HTTP/1.0 200 OK\nConnection: Keep-Alive\nContent-Length: 1\n\n", ResponseHead::keepAlive))
                .isEqualTo(true);
        assertThat(with("HTTP/1.1 204 No Content\n\n", h -> List.of(h.hasBody(false), h.endsWithClose(false))))
                .isEqualTo(List.of(false, false));
        assertThat(with("HTTP/1.1 304 Not Modified\nContent-Length: 9\n\n", h -> h.hasBody(false)))
                .isEqualTo(false);
        assertThat(with("HTTP/1.1 100 Continue\n\n", h -> List.of(h.interim(), h.hasBody(false))))
                .isEqualTo(List.of(true, false));
        assertThat(with("HTTP/1.1 101 Switching Protocols\n\n", ResponseHead::interim)).isEqualTo(false);
    }

    @Test
    void theEndOfAHeadIsFoundWithEitherLineEndAndNotBeforeItIsThere() {
        ByteBuf crlf = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody", StandardCharsets.ISO_8859_1);
        ByteBuf lf = Unpooled.copiedBuffer("HTTP/1.1 200 OK\nA: b\n\nbody", StandardCharsets.ISO_8859_1);
        try {
            assertThat(ResponseHead.end(crlf, 0, 0, crlf.writerIndex())).isEqualTo(crlf.writerIndex() - 4);
            assertThat(ResponseHead.end(lf, 0, 0, lf.writerIndex())).isEqualTo(lf.writerIndex() - 4);
            assertThat(ResponseHead.end(crlf, 0, 0, crlf.writerIndex() - 6)).as("the blank line not there yet")
                    .isEqualTo(-1);
        } finally {
            crlf.release();
            lf.release();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SOMETHING ELSE                        | not an HTTP/1.x status line: \"SOMETHING ELSE\"",
        "HTTP/2.0 200 OK                       | not an HTTP/1.x status line",
        "HTTP/1.2 200 OK                       | an unsupported version: \"HTTP/1.2\"",
        "HTTP/1.1 2x0 OK                       | a status line without a three-digit code",
        "HTTP/1.1 2000 OK                      | a status line without a three-digit code",
        "HTTP/1.1 200 OK\\n folded              | a folded header line",
        "HTTP/1.1 200 OK\\n: no name            | a header line without a name",
        "HTTP/1.1 200 OK\\nno colon             | a header line without a name: \"no colon\"",
        "HTTP/1.1 200 OK\\nBad Name: x          | a header name with whitespace or a control character: \"Bad Name\"",
        "HTTP/1.1 200 OK\\nContent-Length: 1a   | a Content-Length that is not a number: \"1a\"",
        "HTTP/1.1 200 OK\\nContent-Length: -1   | a Content-Length that is not a number",
        "HTTP/1.1 200 OK\\nContent-Length: 1\\nContent-Length: 2 | differing Content-Length values",
        "HTTP/1.1 200 OK\\nContent-Length: 1\\nContent-Length: 01 | differing Content-Length values",
        "HTTP/1.1 200 OK\\nContent-Length: 7\\nTransfer-Encoding: chunked | both Content-Length and Transfer-Encoding",
        "HTTP/1.0 200 OK\\nTransfer-Encoding: chunked  | a Transfer-Encoding in an HTTP/1.0 response",
        "HTTP/1.1 200 OK\\nTransfer-Encoding: chunked, gzip | a Transfer-Encoding that applies chunked other than once",
        "HTTP/1.1 200 OK\\nTransfer-Encoding: chunked\\nTransfer-Encoding: chunked | a Transfer-Encoding that applies",
        "HTTP/1.1 200 OK\\nX(y): 1                | a header name that is not a token: \"X(y)\"",
        "HTTP/1.1 200 OK\\nX: a\u0001b             | a header value with a control character: X",
        "HTTP/1.1 200 O\u0001K                     | a status line not ended by CRLF, or with a control character",
    })
    void anInvalidHeadSaysWhatIsWrong(String head, String problem) {
        String text = head.replace("\\n", "\n") + "\n\n";
        assertThatThrownBy(() -> with(text, ResponseHead::status))
                .isInstanceOf(InvalidResponseException.class).hasMessageStartingWith(problem);
    }

    @Test
    void aCodedBodysHeadLosesItsFramingWeakensItsETagAndVariesOnAcceptEncoding() {
        String encoded = encoded("""
                HTTP/1.1 200 OK
                Content-Type: text/html
                Content-Length: 4000
                Accept-Ranges: bytes
                ETag: "v1"
                Vary: Origin
                Vary: Cookie
                X-Kept: k

                """, head -> head.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true, null, "gzip"));
        assertThat(encoded).isEqualTo("""
                HTTP/1.1 200 OK
                Content-Type: text/html
                ETag: W/"v1"
                Vary: Origin
                Vary: Cookie, Accept-Encoding
                X-Kept: k
                Content-Encoding: gzip
                Transfer-Encoding: chunked

                """);
    }

    @Test
    void aCodedBodysHeadKeepsAVaryThatCoversItAndLetsTheRuleDecide() {
        assertThat(encoded("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nVary: *\nETag: W/\"w\"\n\n",
                head -> head.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, false, null, "deflate")))
                .isEqualTo("HTTP/1.1 200 OK\nVary: *\nETag: W/\"w\"\nContent-Encoding: deflate\n"
                        + "Transfer-Encoding: chunked\nConnection: close\n\n");
        assertThat(encoded("HTTP/1.1 200 OK\nContent-Length: 9999\n\n",
                head -> head.encode(ByteBufAllocator.DEFAULT, HeaderOperations.NONE, true, null, "gzip")))
                .isEqualTo("HTTP/1.1 200 OK\nContent-Encoding: gzip\nTransfer-Encoding: chunked\n"
                        + "Vary: Accept-Encoding\n\n");
        HeaderOperations setsVary = new HeaderOperations(null, Map.of("Vary", "Cookie"), List.of("etag"));
        assertThat(encoded("HTTP/1.1 200 OK\nContent-Length: 9999\nVary: Origin\nETag: \"e\"\n\n",
                head -> head.encode(ByteBufAllocator.DEFAULT, setsVary, true, null, "gzip")))
                .isEqualTo("HTTP/1.1 200 OK\nContent-Encoding: gzip\nTransfer-Encoding: chunked\nVary: Cookie\n\n");
    }

    @Test
    void headerValuesAreFoundByNameInTheirOrder() {
        assertThat(with("HTTP/1.1 200 OK\nCache-Control: public\nX: y\ncache-control:  no-transform \n\n",
                head -> head.values("Cache-Control"))).isEqualTo(List.of("public", "no-transform"));
        assertThat(with("HTTP/1.0 200 OK\n\n", head -> List.of(head.values("etag"), head.http11())))
                .isEqualTo(List.of(List.of(), false));
    }
}
