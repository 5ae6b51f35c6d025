package dev.ballast.dataplane.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * One request at a time. A request and its body go on down the pipeline; requests that come meanwhile (pipelined, or
 * read in the same socket read) wait here until the handler that answers the current one says it is {@link #done}.
 * When the answer left before the whole body came (a local refusal, or an upstream that answered early), the rest of
 * the body is read and dropped here. Reads are explicit ({@code AUTO_READ} off): this handler asks for the next one
 * whenever it is ready for more.
 *
 * <p>Also where the connection's drain begins: {@link ClientPipeline#DRAIN} closes an idle connection at once, after
 * what was sent; a busy one finishes its answer, which the handlers after this one make say {@code Connection: close}.
 */
final class RequestQueue extends ChannelInboundHandlerAdapter {

    /** Where the connection is in the request/response cycle. */
    enum Phase {
        /** No request under way: the next one is awaited. */
        IDLE,
        /** A request was passed on and its body is still coming. */
        RECEIVING,
        /** A whole request was passed on; its answer is not finished. */
        ANSWERING,
        /** The answer is finished but the body is still coming: it is dropped. */
        DISCARDING
    }

    private final ClientTimeouts timeouts;
    private final Duration keepAliveTimeout;
    private final Duration discardTimeout;
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private boolean draining;

    /**
     * @param keepAliveTimeout how long the next request is awaited after an answer
     * @param discardTimeout how long a client dropping a body it still owes may stall
     */
    RequestQueue(ClientTimeouts timeouts, Duration keepAliveTimeout, Duration discardTimeout) {
        this.timeouts = timeouts;
        this.keepAliveTimeout = keepAliveTimeout;
        this.discardTimeout = discardTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject http)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!waiting.isEmpty() || phase == Phase.ANSWERING) {
            waiting.add(http); // after the request under way
            return;
        }
        accept(http);
    }

    /** Takes a message in its turn: a new request, or a part of the body of the request under way. */
    private void accept(HttpObject msg) {
        boolean last = msg instanceof LastHttpContent;
        switch (phase) {
            case IDLE -> {
                if (msg instanceof HttpRequest) {
                    phase = last ? Phase.ANSWERING : Phase.RECEIVING;
                    ctx.fireChannelRead(msg);
                } else {
                    drop(msg); // a stray body part: nothing it could belong to
                }
            }
            case RECEIVING -> {
                if (last) {
                    phase = Phase.ANSWERING;
                }
                ctx.fireChannelRead(msg); // a malformed part too: whoever relays the body must not end it
            }
            case DISCARDING -> {
                if (last) {
                    phase = Phase.IDLE;
                }
                drop(msg);
            }
            case ANSWERING -> throw new IllegalStateException("a message taken while answering: " + msg);
        }
    }

    /** Releases a body part nobody reads; a malformed one closes the connection: where the next request starts is unknown. */
    private void drop(HttpObject msg) {
        boolean malformed = msg.decoderResult().isFailure();
        ReferenceCountUtil.release(msg);
        if (malformed) {
            ctx.close();
        } else {
            next();
        }
    }

    /**
     * The answer to the request under way is finished, and the connection stays open: what waits goes next, the rest
     * of an unfinished body is dropped first.
     */
    void done() {
        if (phase == Phase.RECEIVING) {
            phase = Phase.DISCARDING;
            timeouts.watchExchange(discardTimeout, false);
        } else {
            phase = Phase.IDLE;
        }
        next();
    }

    /** Ready for what comes next: a waiting message, or another read. */
    private void next() {
        HttpObject queued = waiting.poll();
        if (queued != null) {
            accept(queued);
            // The parts of its body that came with it go on at once, as the decoder hands on what one read holds.
            while (phase == Phase.RECEIVING && !waiting.isEmpty()) {
                accept(waiting.poll());
            }
            return;
        }
        if (!ctx.channel().isActive()) {
            return;
        }
        if (phase == Phase.IDLE) {
            if (draining) {
                closeAfterSent();
                return;
            }
            timeouts.awaitRequest(keepAliveTimeout);
        }
        ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == ClientPipeline.DRAIN) {
            draining = true;
            if ((phase == Phase.IDLE || phase == Phase.DISCARDING) && waiting.isEmpty()) {
                closeAfterSent();
            }
        } else if (event == ClientTimeouts.CLIENT_STALLED && phase == Phase.DISCARDING) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    /** Closes once what was written has left. */
    private void closeAfterSent() {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting(); // the connection became a tunnel: nothing may follow an upgrade request as HTTP
    }

    private void releaseWaiting() {
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
    }
}
