package dev.ballast.dataplane.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/** The upstream side of an exchange: hands every response part to the client's {@link ProxyHandler}. */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private final ProxyHandler proxy;

    UpstreamHandler(ProxyHandler proxy) {
        this.proxy = proxy;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpObject http) {
            proxy.onResponse(ctx.channel(), http);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        proxy.onUpstreamFailure(ctx.channel(), new IOException("upstream closed the connection"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        proxy.onUpstreamFailure(ctx.channel(), cause);
    }
}
