package dev.ballast.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.List;
import java.util.function.Consumer;

/**
 * On a TLS listener, waits for the handshake to learn the protocol ALPN chose ({@code h2}, else HTTP/1.1), has its
 * handlers added after it, hands them the connection's {@code channelActive} (held back until they are there) and
 * whatever came decrypted meanwhile, and leaves. A failed handshake closes the connection before this handler.
 */
public final class AlpnSwitch extends ProtocolChoice {

    /** @param install adds the handlers: those of HTTP/2 when given true, of HTTP/1.1 when false */
    public AlpnSwitch(Consumer<Boolean> install) {
        super(install);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read(); // the handshake's; not passed on: the handlers that hear of it are not there yet
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // held until the handshake completes, then handed on as this handler leaves
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
            String protocol = ctx.pipeline().get(SslHandler.class).applicationProtocol();
            chosen(ctx, ApplicationProtocolNames.HTTP_2.equals(protocol));
            ctx.fireUserEventTriggered(event); // the handlers just added hear of the handshake too
            return;
        }
        super.userEventTriggered(ctx, event);
    }
}
