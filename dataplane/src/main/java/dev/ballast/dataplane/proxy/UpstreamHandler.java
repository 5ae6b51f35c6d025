package dev.ballast.dataplane.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * The upstream side of a connection: while leased to a client connection's {@link UpstreamListener}, hands it every response part
 * ({@link ResponseReader}'s); while idle in an {@link UpstreamPool}, anything that happens on it (data, close, error)
 * evicts it.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private UpstreamListener owner;
    private UpstreamPool pool;
    private String address;

    UpstreamHandler(UpstreamListener owner) {
        this.owner = owner;
    }

    /** Leased to {@code owner} (null while {@link UpstreamPool#acquire} hands it over; set again by the taker). */
    void lease(UpstreamListener owner) {
        this.owner = owner;
        this.pool = null;
        this.address = null;
    }

    void idleIn(UpstreamPool pool, String address) {
        this.owner = null;
        this.pool = pool;
        this.address = address;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (owner != null) {
            owner.onResponse(ctx.channel(), msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        if (owner == null) {
            idleProblem(ctx); // an upstream that speaks unasked is not to be trusted with the next request
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamReadComplete();
        }
    }

    /** A server timeout's worth of silence: the owner judges; an idle pooled connection that long is let go. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(event);
        } else if (owner != null) {
            owner.onUpstreamIdle(ctx.channel());
        } else {
            idleProblem(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamFailure(ctx.channel(), new IOException("upstream closed the connection"));
        } else {
            idleProblem(ctx);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (owner != null) {
            owner.onUpstreamFailure(ctx.channel(), cause);
        } else {
            idleProblem(ctx);
        }
    }

    private void idleProblem(ChannelHandlerContext ctx) {
        if (pool != null) {
            pool.evict(address, ctx.channel());
        } else {
            ctx.close();
        }
    }
}
