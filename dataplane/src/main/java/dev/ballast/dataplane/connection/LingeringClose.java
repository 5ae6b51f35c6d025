package dev.ballast.dataplane.connection;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection after an answer that ends it, as nginx's {@code lingering_close} does: once the answer
 * has been written, the proxy's side is shut down (the client reads the answer, then the end), and what the client
 * still sends is read and dropped until it closes too or {@link #LINGER_MILLIS} pass. Closing at once with unread
 * bytes in the socket makes the kernel send a reset, and a client still sending — the body of a request refused
 * part-way, or the frames of an HTTP/2 flood ended with a GOAWAY — then loses the answer it has not read yet. An
 * HTTP/2 stream is not a socket: it is closed.
 */
public final class LingeringClose implements ChannelFutureListener {

    /** Use after writing the answer: {@code ctx.writeAndFlush(answer).addListener(LingeringClose.AFTER_WRITE)}. */
    public static final ChannelFutureListener AFTER_WRITE = new LingeringClose();

    /** How long a client that keeps sending is given to read the answer. */
    static final long LINGER_MILLIS = 2_000;

    private LingeringClose() {
    }

    @Override
    public void operationComplete(ChannelFuture written) {
        if (written.isSuccess()) {
            begin(written.channel());
        } else {
            written.channel().close();
        }
    }

    /**
     * Ends {@code channel}, everything written to it so far first: lingering when it is a socket still open, at once
     * otherwise. Its close future completes when it is closed; the handlers in its pipeline see nothing more, not even
     * the close (so a handler may call this from its own {@code close}).
     */
    public static void begin(Channel channel) {
        if (!lingers(channel)) {
            channel.close();
            return;
        }
        DuplexChannel socket = (DuplexChannel) channel;
        // first in the pipeline: nothing the client sends from now on is decoded, even under TLS
        Discarding discarding = new Discarding();
        channel.pipeline().addFirst(discarding);
        socket.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                discarding.close();
            }
        });
        channel.config().setAutoRead(true);
        channel.eventLoop().schedule(discarding::close, LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Whether {@link #begin} lingers on {@code channel} (a socket open both ways) rather than close it at once. */
    public static boolean lingers(Channel channel) {
        return channel instanceof DuplexChannel socket && channel.isActive() && !socket.isInputShutdown()
                && !socket.isOutputShutdown();
    }

    /** Drops what the client sends; its end (or an error) closes the connection. */
    private static final class Discarding extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        /** Closes the connection from the socket's side of every other handler. */
        void close() {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // swallowed: the handlers behind must not ask for reads or flush any more
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent || event instanceof ChannelInputShutdownReadComplete) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
