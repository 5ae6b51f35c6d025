package dev.ballast.dataplane.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link AlpnSwitch} and {@link PrefaceDetector} share: a handler that holds a new connection back — its
 * {@code channelActive} and the bytes read — until it knows whether the connection speaks HTTP/2, then has that
 * protocol's handlers added after it, hands them both, and leaves. A failure before the choice closes the connection:
 * nothing after this handler has a use for it.
 */
abstract class ProtocolChoice extends ByteToMessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolChoice.class);

    private final Consumer<Boolean> install;

    /** @param install adds the handlers: those of HTTP/2 when given true, of HTTP/1.1 when false */
    ProtocolChoice(Consumer<Boolean> install) {
        this.install = install;
    }

    /** The protocol is known: its handlers are added, hear of the connection, and get what was read. */
    final void chosen(ChannelHandlerContext ctx, boolean http2) {
        install.accept(http2);
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closed the connection of {} while choosing its protocol: {}", ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
