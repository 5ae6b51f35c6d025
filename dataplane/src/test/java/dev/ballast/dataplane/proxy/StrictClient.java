package dev.ballast.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what a client received from the proxy as a strict client does (Netty's client codec: CRLF lines, valid names
 * and values), for the smuggling tests, which must know how many responses a client would see and what each says.
 */
final class StrictClient {

    private StrictClient() {
    }

    /**
     * The responses in {@code received}, answers to {@code gets} GET requests: "status body" for each complete one,
     * "cut after status body" for one the close ended early, "cut" for a head the close cut, and the decoder's
     * complaint for bytes it refuses. Every head must frame its response one way: one Content-Length at most, never
     * with a Transfer-Encoding.
     */
    static List<String> responses(byte[] received, int gets) {
        // lines as long as the proxy's bound, so that a cut chunk extension is seen cut, not refused for its length
        EmbeddedChannel client = new EmbeddedChannel(new HttpClientCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(16 * 1024), false, false));
        List<String> responses = new ArrayList<>();
        try {
            for (int i = 0; i < gets; i++) {
                client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
            }
            client.writeInbound(Unpooled.wrappedBuffer(received));
            client.finish();
            StringBuilder current = null;
            for (Object msg; (msg = client.readInbound()) != null; ) {
                try {
                    if (((HttpObject) msg).decoderResult().isFailure()) {
                        Throwable cause = ((HttpObject) msg).decoderResult().cause();
                        responses.add(cause instanceof PrematureChannelClosureException ? "cut"
                                : "refused by a strict client: " + cause);
                        current = null;
                        continue;
                    }
                    if (msg instanceof HttpResponse head) {
                        assertThat(head.headers().getAll(HttpHeaderNames.CONTENT_LENGTH).size()
                                + head.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING).size())
                                .as("framing headers of " + head).isLessThanOrEqualTo(1);
                        current = new StringBuilder(head.status().code() + " ");
                    }
                    if (msg instanceof HttpContent content && current != null) {
                        current.append(content.content().toString(StandardCharsets.ISO_8859_1));
                        if (msg instanceof LastHttpContent) {
                            responses.add(current.toString());
                            current = null;
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
            if (current != null) {
                responses.add("cut after " + current);
            }
        } finally {
            client.finishAndReleaseAll();
        }
        return responses;
    }
}
