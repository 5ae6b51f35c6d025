package dev.ballast.dataplane.http2;

import dev.ballast.dataplane.connection.LingeringClose;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;

/**
 * Placed before (on the socket's side of) the HTTP/2 codec: when the codec closes a connection it has sent a GOAWAY
 * with an error on — a flood, a protocol error — the close lingers ({@link LingeringClose}), since a client that
 * misbehaves is usually still sending, and closing with its bytes unread would reset the connection and could take
 * the GOAWAY, and the reason in it, with it. Other closes (idle, drained, the replica stopping) are at once.
 */
final class LingerAfterError extends ChannelOutboundHandlerAdapter {

    private boolean errorSent;
    private boolean lingering;

    LingerAfterError(Http2Connection connection) {
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                errorSent |= errorCode != Http2Error.NO_ERROR.code();
            }
        });
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!lingering && !(errorSent && LingeringClose.lingers(ctx.channel()))) {
            ctx.close(promise);
            return;
        }
        // the codec closes more than once (after its GOAWAY is written, and as it handles the error): one lingering
        ctx.channel().closeFuture().addListener(closed -> promise.trySuccess());
        if (!lingering) {
            lingering = true;
            LingeringClose.begin(ctx.channel());
        }
    }
}
