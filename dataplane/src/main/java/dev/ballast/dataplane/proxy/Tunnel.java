package dev.ballast.dataplane.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client connection and an upstream connection joined byte for byte, once the upstream has switched protocols
 * (WebSocket, or any other {@code Upgrade}). Backpressure as for HTTP: each side is read again only when what it sent
 * was written to the other. The tunnel closes when either side closes, and when no byte has gone either way for the
 * tunnel timeout.
 */
final class Tunnel {

    private Tunnel() {
    }

    /**
     * Strips the HTTP handlers from both pipelines (anything the codecs still hold, such as bytes the upstream sent
     * right after its 101, goes on through the tunnel) and starts relaying. Called on the event loop both share.
     */
    static void join(Channel client, Channel upstream, Duration idle) {
        become(client.pipeline(), new Relay(upstream));
        become(upstream.pipeline(), new Relay(client));
        // One idle timer suffices: whatever goes either way is a read or a write of the client connection.
        client.pipeline().addFirst("tunnel-idle", new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS));
        client.read();
        upstream.read();
    }

    /**
     * Replaces every handler of {@code pipeline} with {@code relay}, from the last to the first: the codec, removed
     * last, hands the bytes it still holds to the next handler, which must be the relay by then.
     */
    private static void become(ChannelPipeline pipeline, Relay relay) {
        List<String> names = new ArrayList<>(pipeline.names());
        pipeline.addLast("tunnel", relay);
        Collections.reverse(names);
        for (String name : names) {
            ChannelHandler handler = pipeline.get(name);
            if (handler != null) {
                pipeline.remove(handler);
            }
        }
    }

    /** Writes what one side reads to the other. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Relay(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg); // the end of the 101 response, decoded before the codec left
                return;
            }
            peer.writeAndFlush(bytes).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.read();
                } else {
                    closeBoth(ctx);
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // what was already relayed still goes out, then the other side closes too
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent) {
                closeBoth(ctx);
            } else {
                ctx.fireUserEventTriggered(event);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeBoth(ctx);
        }

        private void closeBoth(ChannelHandlerContext ctx) {
            ctx.close();
            peer.close();
        }
    }
}
