package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.connection.LingeringClose;
import dev.ballast.dataplane.exchange.CompressionPolicy;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * Relays a {@link RoutedRequest} to an upstream and its answer back. The upstream is picked by the route's balancer
 * (leaving out ejected and unhealthy ones), its connection taken from the {@link UpstreamConnector}; a refused connect
 * is tried on another upstream while nothing of the request was sent. Each body part is read from the client only once
 * the previous one was written upstream, and the upstream is read again only while the client connection is below
 * its high-water mark, so a slow side slows the transfer instead of filling memory. What one client read wrote
 * upstream leaves in one flush; what one upstream read brought leaves for the client in one flush
 * ({@link ResponseWriter}). A {@code 101} answer turns both connections into a {@link Tunnel}. When compression is on
 * and the response lends itself to it ({@link CompressionPolicy}), its body goes through a
 * {@link dev.ballast.dataplane.exchange.BodyEncoder} on its way, part by part, flushed as the uncompressed one would be.
 *
 * <p>Ownership: every message read is either handed to a write (which releases it) or released here, once.
 */
final class ExchangeRelay extends ChannelInboundHandlerAdapter implements UpstreamListener, Exchange.ClientSide {

    private final ProxyContext context;
    private final UpstreamConnector connector;
    private final RequestQueue queue;
    private final ClientTimeouts timeouts;
    private final RequestObserver observer;
    private final Class<? extends ChannelHandler> rawResponsesPast;
    private ChannelHandlerContext client;
    private ResponseWriter responses;
    private Consumer<ByteBuf> toClient; // where an encoder's chunks go: the response writer
    private Exchange reusable; // the one exchange this connection reuses from request to request
    private Exchange exchange; // the reusable one while a request is under way, else null
    private boolean draining;
    /** In a delivery of client messages, until its end: upstream writes meanwhile are flushed once at the end. */
    private boolean reading;
    /** An upstream connection written to during the current delivery, flushed once when it ends. */
    private Channel upstreamUnflushed;

    /**
     * @param rawResponsesPast the handler that upstream responses, written as bytes, skip (the response encoder of an
     *                         HTTP/1.1 connection); null when every handler before this one takes them (an HTTP/2
     *                         stream's codec frames them)
     */
    ExchangeRelay(ProxyContext context, UpstreamConnector connector, RequestQueue queue, ClientTimeouts timeouts,
                  RequestObserver observer, Class<? extends ChannelHandler> rawResponsesPast) {
        this.context = context;
        this.connector = connector;
        this.queue = queue;
        this.timeouts = timeouts;
        this.observer = observer;
        this.rawResponsesPast = rawResponsesPast;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx;
        responses = new ResponseWriter(rawResponsesPast == null ? ctx : ctx.pipeline().context(rawResponsesPast));
        toClient = responses::bytes;
        reusable = new Exchange(context.metrics(), observer, connector, this, this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (msg instanceof RoutedRequest routed) {
            start(routed);
        } else if (msg instanceof HttpContent part && exchange != null) {
            body(exchange, part);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The socket read is done: what it wrote upstream leaves in one flush (not one for a head, one for its end). */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        endDelivery();
        ctx.fireChannelReadComplete();
    }

    private void endDelivery() {
        reading = false;
        Channel upstream = upstreamUnflushed;
        if (upstream != null) {
            upstreamUnflushed = null;
            upstream.flush();
        }
    }

    /** Flushes {@code upstream} now, or when the delivery under way ends. */
    @Override
    public void flushUpstream(Channel upstream) {
        if (!reading) {
            upstream.flush();
            return;
        }
        if (upstreamUnflushed != null && upstreamUnflushed != upstream) {
            upstreamUnflushed.flush();
        }
        upstreamUnflushed = upstream;
    }

    /**
     * The answer is finished and the connection stays: the queue hands on what waits. Outside a client read (after
     * an upstream read), that delivery ends here, so what it wrote upstream is flushed here.
     */
    private void nextRequest() {
        boolean inClientRead = reading;
        queue.done();
        if (!inClientRead) {
            endDelivery();
        }
    }

    // ---------------------------------------------------------------------------------------- request upstream

    private void start(RoutedRequest routed) {
        Exchange ex = reusable.begin(routed, context);
        CompressionPolicy compression = context.compression(); // null when compression is off
        if (compression != null && routed.upgrade() == null) {
            ex.coding = compression.negotiate(routed.head()); // before the head goes: it is the upstream's then
        }
        exchange = ex;
        timeouts.watchExchange(context.clientTimeout(routed.rule()), false);
        ex.connect();
    }

    private void body(Exchange ex, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release(); // its decoder result stays readable
            malformedBody(ex, content.decoderResult().cause());
            return;
        }
        if (content instanceof LastHttpContent) {
            ex.requestDone = true;
            timeouts.requestReceived();
        }
        if (ex.channel == null) {
            ex.hold(content);
            return;
        }
        ex.bodySent |= content.content().isReadable();
        Channel upstream = ex.channel; // a write that fails at once may have ended this attempt when it returns
        if (content instanceof LastHttpContent) {
            // nothing more to read after it: only a failure matters, and it reaches onUpstreamFailure
            // (exceptionCaught) without a promise and a listener per request
            upstream.write(content, upstream.voidPromise());
        } else {
            int writing = ex.generation();
            upstream.write(content).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    ex.upstreamFailed(f.channel(), f.cause());
                } else if (ex.serves(writing)) {
                    client.read();
                }
            });
        }
        flushUpstream(upstream);
    }

    /**
     * The request body stopped decoding part-way (the decoder hands the failure over as a last part), or a limit cut
     * it off ({@link RequestBodyRefused}: answered with the limit's status, not 400): the upstream
     * must never see it end, since a body ended by the proxy would be a complete, truncated request to the backend.
     * Its connection is closed, the client gets a 400 if nothing was answered yet, and its connection closes too,
     * since where its next request would start is unknown.
     */
    private void malformedBody(Exchange ex, Throwable cause) {
        ex.attemptEndedBlameless();
        RequestBodyRefused refused = cause instanceof RequestBodyRefused r ? observer.refused(r) : null;
        String why = refused != null ? refused.getMessage() : "malformed request body (" + cause.getMessage() + ")";
        if (ex.responseStarted()) {
            observer.abandoned(why);
            abort(ex);
        } else {
            fail(ex, refused != null ? refused.status() : HttpResponseStatus.BAD_REQUEST,
                    "route " + ex.routeName() + ": " + why);
        }
    }

    // ---------------------------------------------------------------------------------------- response back

    /**
     * A part of the upstream's response. Heads are re-written for the client (hop-by-hop headers out, the rule's
     * changes in, the proxy's {@code Connection}); body bytes go as they came.
     */
    @Override
    public void onResponse(Channel upstreamChannel, Object msg) {
        Exchange ex = exchange;
        if (ex == null || ex.channel != upstreamChannel) {
            ReferenceCountUtil.release(msg);
            upstreamChannel.close();
            return;
        }
        if (msg instanceof ResponseReader.End end) {
            // No promise per write: a failed write closes the client connection (exceptionCaught), and
            // channelInactive ends the exchange.
            if (ex.encoder != null) {
                ex.encoder.last(end.content(), toClient);
            } else {
                responses.bytes(end.content());
            }
            responses.send();
            complete(ex);
            return;
        }
        if (msg instanceof ResponseHead head) {
            if (head.status() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                switchProtocols(ex, upstreamChannel, head);
                return;
            }
            responses.head(ex.clientHead(head, client.alloc(), draining, context.compression()));
        } else if (ex.encoder != null) {
            ex.encoder.body((ByteBuf) msg, toClient);
        } else {
            responses.bytes((ByteBuf) msg); // flushed with the rest of this upstream read when it completes
        }
        // Backpressure: the upstream is read again while the client connection is below its high-water mark, else
        // once it has drained (channelWritabilityChanged).
        if (client.channel().isWritable()) {
            timeouts.clientKeptUp();
            upstreamChannel.read();
        } else {
            ex.awaitingWritable = true;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ctx.channel().isWritable() && ex != null && ex.awaitingWritable) {
            ex.awaitingWritable = false;
            ex.channel.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * The upstream agreed to switch protocols: the 101 goes to the client, and the two connections become a
     * {@link Tunnel}. The upstream connection is never pooled again; the client connection carries no more HTTP.
     */
    private void switchProtocols(Exchange ex, Channel upstreamChannel, ResponseHead head) {
        if (ex.request.upgrade() == null) {
            head.release();
            ex.upstreamFailed(upstreamChannel, new InvalidResponseException("a 101 to a request that asked for no upgrade"));
            return;
        }
        ByteBuf switching;
        try {
            String protocol = head.upgrade() != null ? head.upgrade() : ex.request.upgrade();
            switching = head.encodeSwitch(client.alloc(), ex.request.rule().responseHeaders(), protocol,
                    ex.stickyCookie());
        } finally {
            head.release();
        }
        ex.attemptEnded(false);
        ex.answered(HttpResponseStatus.SWITCHING_PROTOCOLS.code());
        exchange = null;
        responses.sendNow(switching);
        // Tunnel strips every HTTP handler, this one included; what the queue held is released as it leaves.
        Tunnel.join(client.channel(), upstreamChannel, context.tunnelTimeout(ex.request.rule()));
    }

    /** The upstream has no more to give for now: send what was written to the client so far. */
    @Override
    public void onUpstreamReadComplete() {
        responses.send();
    }

    private void complete(Exchange ex) {
        ex.attemptEnded(ex.status >= 500);
        ex.answered(ex.status);
        ex.endEncoding();
        exchange = null;
        if (ex.upstreamKeepAlive && ex.requestDone) {
            connector.release(ex.upstream.address(), ex.channel);
        } else {
            ex.channel.close();
        }
        if (ex.closeClient || draining) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ex.releasePending();
        nextRequest(); // the queue drops what is left of a body the upstream answered before taking it all
    }

    /**
     * The upstream sent nothing for a server timeout. It is at fault only if the proxy was waiting on it: not while
     * the client still owes request body, nor while the client has not taken what the upstream already sent.
     */
    @Override
    public void onUpstreamIdle(Channel upstreamChannel) {
        Exchange ex = exchange;
        if (ex == null || ex.channel != upstreamChannel) {
            upstreamChannel.close();
            return;
        }
        if (!ex.requestDone || ClientTimeouts.backlogged(client.channel())) {
            return;
        }
        context.metrics().upstreamTimeout(ex.routeName());
        ex.upstreamFailed(upstreamChannel, ReadTimeoutException.INSTANCE);
    }

    @Override
    public void onUpstreamFailure(Channel upstreamChannel, Throwable cause) {
        Exchange ex = exchange;
        if (ex == null || ex.channel != upstreamChannel) {
            upstreamChannel.close();
            return;
        }
        ex.upstreamFailed(upstreamChannel, cause);
    }

    @Override
    public boolean serving(Exchange ex) {
        return exchange == ex;
    }

    @Override
    public void readRequest() {
        client.read();
    }

    /** Answers the client with an error for the current exchange and closes: its request stream is unknown now. */
    @Override
    public void fail(Exchange ex, HttpResponseStatus status, String message) {
        responses.writeUnsent(); // an interim head before the failure
        ex.answered(status.code());
        exchange = null;
        ex.drop();
        client.writeAndFlush(Responses.error(context.errorPages(), status, message, false))
                .addListener(LingeringClose.AFTER_WRITE);
    }

    @Override
    public void abort(Exchange ex) {
        responses.dropUnsent();
        exchange = null;
        ex.drop();
        client.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == ClientPipeline.DRAIN) {
            draining = true;
        } else if (event == ClientTimeouts.CLIENT_STALLED && exchange != null) {
            stalled(exchange);
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    /** The client stalled the exchange for its client timeout: 408 if no response has started, else cut off. */
    private void stalled(Exchange ex) {
        ex.attemptEndedBlameless();
        observer.abandoned("the client went away or stalled");
        if (ex.responseStarted()) {
            abort(ex);
        } else {
            fail(ex, HttpResponseStatus.REQUEST_TIMEOUT, "route " + ex.routeName() + ": the client sent"
                    + " no more of its request within " + context.clientTimeout(ex.request.rule()).toMillis() + " ms");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        responses.dropUnsent();
        Exchange ex = exchange;
        exchange = null;
        if (ex != null) {
            ex.drop();
            ex.attemptEndedBlameless();
            observer.abandoned("the client went away or stalled");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
