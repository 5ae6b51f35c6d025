package dev.ballast.dataplane.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The handler after the one under test in an {@code EmbeddedChannel}: keeps the messages and user events that reach
 * it, in order, and stops them there (the pipeline's tail would release messages before a test could look).
 */
final class Recorder extends ChannelInboundHandlerAdapter {

    /** The user events that came, in order. */
    final List<Object> events = new ArrayList<>();
    private final ArrayDeque<Object> messages = new ArrayDeque<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        messages.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        events.add(event);
    }

    /** The oldest message not taken yet, or null; the caller releases it. */
    Object poll() {
        return messages.poll();
    }

    /**
     * The messages that came since the last call, described ("GET /a", "part ab", "last c", "routed api GET /c";
     * "malformed" when one failed to decode), and released.
     */
    List<String> take() {
        List<String> described = new ArrayList<>();
        for (Object msg; (msg = messages.poll()) != null; ) {
            described.add(describe(msg));
            ReferenceCountUtil.release(msg);
        }
        return described;
    }

    private static String describe(Object msg) {
        if (msg instanceof RoutedRequest routed) {
            return "routed " + routed.route().name() + " " + routed.head().method() + " " + routed.head().uri();
        }
        if (msg instanceof HttpRequest request) {
            return request.method() + " " + request.uri();
        }
        if (msg instanceof HttpContent part) {
            String kind = part.decoderResult().isFailure() ? "malformed"
                    : part instanceof LastHttpContent ? "last" : "part";
            return (kind + " " + part.content().toString(StandardCharsets.UTF_8)).trim();
        }
        return String.valueOf(msg);
    }
}
