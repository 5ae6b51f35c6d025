package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.limits.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Measures each routed request's body against its rule's maximum as it streams (a chunked body, or one longer than
 * a length nobody declared; a declared length over the maximum is refused by the {@link RouteDispatcher} before any
 * upstream is involved). The part that passes the maximum is replaced by a {@link RequestBodyRefused} failure, which
 * the relay answers with 413, and what follows of the body is dropped.
 */
final class RequestBodyLimit extends ChannelInboundHandlerAdapter {

    private long max; // 0: no limit
    private long received;
    private boolean dropping;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RoutedRequest routed) {
            max = routed.maxBodyBytes();
            received = 0;
            dropping = false;
        } else if (msg instanceof HttpContent part && (dropping || max > 0)) {
            if (dropping) {
                dropping = !(part instanceof LastHttpContent);
                ReferenceCountUtil.release(part);
                return;
            }
            received += part.content().readableBytes();
            if (received > max) {
                dropping = !(part instanceof LastHttpContent);
                ReferenceCountUtil.release(part);
                ctx.fireChannelRead(new RequestBodyRefused(Refusal.BODY_TOO_LARGE,
                        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body over " + max + " bytes")
                        .asLastPart());
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
