package dev.ballast.dataplane.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * What the handler tests feed a pipeline and read back from it: request heads and body parts as the request decoder
 * hands them on, bytes, and the bytes a channel wrote out. Buffers come from the pooled allocator, which the leak
 * detector watches (it does not track unpooled heap buffers): one that a test or a handler forgets to release fails
 * the test class.
 */
final class TestTraffic {

    private TestTraffic() {
    }

    /** A request head for {@code shop.example}, with the header names and values that follow in pairs. */
    static HttpRequest request(HttpMethod method, String target, String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, target);
        request.headers().set(HttpHeaderNames.HOST, "shop.example");
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    static HttpContent part(String text) {
        return new DefaultHttpContent(bytes(text));
    }

    static LastHttpContent last(String text) {
        return new DefaultLastHttpContent(bytes(text));
    }

    /** {@code text} (one byte a char) in a buffer with room to spare. */
    static ByteBuf bytes(String text) {
        return ByteBufUtil.writeAscii(PooledByteBufAllocator.DEFAULT, text);
    }

    /** {@code text} (one byte a char) in a buffer that cannot take one byte more. */
    static ByteBuf fullBytes(String text) {
        return PooledByteBufAllocator.DEFAULT.heapBuffer(text.length(), text.length())
                .writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** What {@code channel} flushed to its socket since the last look, one char a byte; the buffers released. */
    static String sent(EmbeddedChannel channel) {
        StringBuilder text = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; buf.release()) {
            text.append(buf.toString(StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    /**
     * {@code channel}, made with {@code register} false, registered with reads left to its handlers
     * ({@code AUTO_READ} off), as the proxy's connections are.
     */
    static EmbeddedChannel withExplicitReads(EmbeddedChannel channel) {
        channel.config().setAutoRead(false);
        try {
            channel.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return channel;
    }
}
