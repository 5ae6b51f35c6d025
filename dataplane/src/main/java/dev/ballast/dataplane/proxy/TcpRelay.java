package dev.ballast.dataplane.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One side of a TCP relay: writes what its channel reads to the peer channel (both on one event loop). The last
 * handler of each pipeline: of a TCP route's connections ({@code ALLOW_HALF_CLOSURE} on), and of an HTTP connection
 * and its upstream once the upstream switched protocols ({@link Tunnel}).
 *
 * <ul>
 *   <li>Backpressure: a side reads only while its peer is writable. A read that makes the peer unwritable turns the
 *   side's {@code autoRead} off; the peer's writability changing turns it back on. So at most a high-water mark and
 *   one read are buffered per direction, however slow the reader.</li>
 *   <li>Half-close: the end of a side's input ends the peer's output once what was read has been flushed; when both
 *   directions have ended, both channels close.</li>
 *   <li>Failure of either side (an exception, a failed write, a close) closes both; so does the idle timeout's event
 *   (an {@code IdleStateHandler} before it on the client side).</li>
 * </ul>
 * Every {@code ByteBuf} read is handed to the peer's {@code write}, which releases it; anything else is released here.
 */
final class TcpRelay extends ChannelInboundHandlerAdapter {

    private final Channel peer;

    private TcpRelay(Channel peer) {
        this.peer = peer;
    }

    /**
     * Starts relaying between two connected channels of one event loop; called on that loop. What the client sent
     * while the upstream was being connected ({@link EarlyInput}) goes first.
     */
    static void join(Channel client, Channel upstream) {
        EarlyInput early = client.pipeline().get(EarlyInput.class);
        client.pipeline().addLast("tcp-relay", towards(upstream));
        upstream.pipeline().addLast("tcp-relay", towards(client));
        if (early != null) {
            early.replay(client);
        }
        start(client, upstream);
    }

    /** The relay side that writes what its channel reads to {@code peer}, for a pipeline put together elsewhere. */
    static TcpRelay towards(Channel peer) {
        return new TcpRelay(peer);
    }

    /** Starts reading on both channels, whose pipelines end with their relay sides. */
    static void start(Channel a, Channel b) {
        autoRead(a, true);
        autoRead(b, true);
    }

    /**
     * Turns reading on or off, but never on for a channel whose input has ended: there is nothing left to read, and
     * epoll refuses to watch a descriptor it has already dropped.
     */
    private static void autoRead(Channel channel, boolean on) {
        if (!on || !(channel instanceof DuplexChannel duplex && duplex.isInputShutdown())) {
            channel.config().setAutoRead(on);
        }
    }

    /**
     * Holds what a client connection delivers before its relay starts. Its {@code autoRead} is off, but a transport
     * may still read when the client half-closes early (epoll does on {@code EPOLLRDHUP}): without this, those bytes
     * and the end of input would reach the pipeline's tail and be lost. Owns the buffers it holds until replayed or
     * the connection closes.
     */
    static final class EarlyInput extends ChannelInboundHandlerAdapter {
        private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();
        private boolean inputEnded;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            held.add(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // nothing to flush yet
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                inputEnded = true;
            } else {
                ctx.fireUserEventTriggered(event);
            }
        }

        /** Leaves the pipeline and passes on what it held, to the relay after it. */
        void replay(Channel client) {
            java.util.List<Object> replayed = new java.util.ArrayList<>(held);
            held.clear(); // handed on below, no longer this handler's to release
            client.pipeline().remove(this);
            for (Object msg : replayed) {
                client.pipeline().fireChannelRead(msg);
            }
            boolean any = !replayed.isEmpty();
            if (any) {
                client.pipeline().fireChannelReadComplete();
            }
            if (inputEnded) {
                client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            releaseHeld();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releaseHeld();
            ctx.fireChannelInactive();
        }

        private void releaseHeld() {
            for (Object msg = held.poll(); msg != null; msg = held.poll()) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        peer.write(msg).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                closeBoth(ctx);
            }
        });
        if (!peer.isWritable()) {
            autoRead(ctx.channel(), false); // read again when the peer has drained
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // the peer reads only what this side can take
        autoRead(peer, ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            endPeerOutput(ctx);
        } else if (event instanceof IdleStateEvent) {
            closeBoth(ctx);
        } else {
            ReferenceCountUtil.release(event); // nothing else concerns a relay (a replica's drain closes it later)
        }
    }

    /** This side sent its last byte: the peer's output ends after what was read; both close when both have ended. */
    private void endPeerOutput(ChannelHandlerContext ctx) {
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) flushed -> {
            if (!flushed.isSuccess()) {
                closeBoth(ctx);
                return;
            }
            if (!(peer instanceof DuplexChannel duplex)) {
                closeBoth(ctx); // a transport without half-close (none here has one)
                return;
            }
            duplex.shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess() || duplex.isInputShutdown()) {
                    closeBoth(ctx);
                } else {
                    // The peer's input is all that is left: when it ends, the channel may simply close (channelInactive
                    // then closes this side). Half-closing it instead would shut a socket the kernel has finished
                    // with, an error (ENOTCONN) that the transport turns into an exception on every connection.
                    duplex.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                }
            });
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // what was already relayed still goes out, then the other side closes too
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
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
