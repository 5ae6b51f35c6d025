package dev.ballast.controller.api;

import static dev.ballast.controller.api.Responses.json;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Map;

/** The end of the API's pipeline: a request no endpoint took gets 404; a failed connection is closed. */
@ChannelHandler.Sharable
final class NotFound extends SimpleChannelInboundHandler<FullHttpRequest> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        json(ctx, 404, Map.of("message", "no such endpoint: " + new QueryStringDecoder(request.uri()).path()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
