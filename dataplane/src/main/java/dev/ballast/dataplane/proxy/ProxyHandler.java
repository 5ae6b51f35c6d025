package dev.ballast.dataplane.proxy;

import dev.ballast.config.HostPort;
import dev.ballast.dataplane.access.Access;
import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.dataplane.exchange.Framing;
import dev.ballast.dataplane.exchange.HeaderRewrite;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import dev.ballast.dataplane.routing.Match;
import dev.ballast.dataplane.routing.RequestFacts;
import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.RequestTracing;
import dev.ballast.observability.netty.Transports;
import dev.ballast.observability.telemetry.LogIds;
import dev.ballast.schema.EndpointAddresses;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Reads are explicit ({@code AUTO_READ} off): a request head is matched and checked, then the
 * connection to the chosen upstream is made (on this event loop) before any more of the request is read; each body
 * chunk is read only once the previous one was written upstream, and each response chunk only once the client took
 * the previous one. One exchange at a time; a pipelined request waits its turn. Upstream connections come from and
 * go back to the event loop's {@link UpstreamPool}.
 *
 * <p>Ownership: every message read is either handed to a write (which releases it) or released here, once.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {

    /**
     * The event that asks a client connection to finish (the replica is stopping): closed at once if between requests,
     * else after the response in progress, which says {@code Connection: close} if its head has not left yet.
     */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "drain";
        }
    };

    private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

    private final ProxyContext context;
    private final DataplaneMetrics.Recorder recorded;
    private ChannelHandlerContext client;
    /**
     * Where responses from upstreams are written as the bytes they are: the response encoder's context, so that they
     * skip it (it encodes the proxy's own answers).
     */
    private ChannelHandlerContext rawOut;
    /** The listener port (for {@code srcPort}) and the client's address (for forwarding headers), per connection. */
    private int listenerPort;
    private String clientAddress;
    private long waitDeadline; // System.nanoTime() by which a whole request head must have come; 0: not waiting
    private Duration waitTimeout;
    private ScheduledFuture<?> waitTimer;
    private long waitTimerAt; // when waitTimer fires (System.nanoTime())
    /** When the client last sent something or took something sent to it ({@link System#nanoTime()}). */
    private long clientProgress;
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
    private Exchange exchange;
    // The request being handled, for its metrics: method, the route that matched (null: none), when its head came.
    private String method;
    private String target;
    private String route;
    private long requestStart;
    /** The server span of the request being handled until it becomes an exchange's (or is answered here). */
    private Span requestSpan;
    private boolean discarding;
    private boolean draining;
    /** Between the client connection's first channelRead and its channelReadComplete (one socket read). */
    private boolean reading;
    /** An upstream connection written to during the current read, flushed once when the read completes. */
    private Channel upstreamUnflushed;
    /** Response parts were written to the client and not flushed yet. */
    private boolean clientUnflushed;
    /**
     * A response head not written yet, which takes in the body bytes that follow it in the same upstream read while
     * they fit without growing it: a small response leaves in one buffer, one {@code write} rather than a gathering
     * {@code writev}. Written by the end of that read at the latest.
     */
    private ByteBuf unsent;

    public ProxyHandler(ProxyContext context) {
        this.context = context;
        this.recorded = context.metrics().recorder();
    }

    /** One request in flight. */
    private final class Exchange {
        final HttpRequest head;
        final Route route;
        final Rule rule;
        final Upstreams.Set set;
        final boolean clientKeepAlive;
        final boolean idempotent;
        /** The protocol the client asked to switch to ({@code Upgrade}), or null. */
        final String upgrade;
        final Duration serverTimeout;
        /** Body parts read before the upstream connection was ready; null while there are none (the usual case). */
        ArrayDeque<HttpContent> pending;
        final List<Upstream> tried = new ArrayList<>(2);
        Upstream upstream;
        Channel channel;
        long started;
        boolean requestDone;
        boolean bodySent; // body bytes went upstream: the request cannot be sent again
        boolean reused; // on a pooled connection, which the upstream may have closed meanwhile
        boolean responseStarted;
        boolean awaitingWritable; // a response part is waiting for the client to drain before the next is read
        Span span; // the server span, when tracing
        Span attemptSpan; // the client span of the attempt under way, when tracing
        boolean upstreamKeepAlive;
        /** The client connection closes after this response: asked by the client, draining, or a close-ended body. */
        boolean closeClient;
        int status;

        Exchange(HttpRequest head, Route route, Rule rule, Upstreams.Set set, boolean clientKeepAlive, String upgrade) {
            this.head = head;
            this.route = route;
            this.rule = rule;
            this.set = set;
            this.clientKeepAlive = clientKeepAlive;
            this.idempotent = IDEMPOTENT.contains(head.method());
            this.upgrade = upgrade;
            this.serverTimeout = context.serverTimeout(rule);
        }

        void hold(HttpContent part) {
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.add(part);
        }

        void releasePending() {
            if (pending != null) {
                pending.forEach(ReferenceCountUtil::release);
                pending = null;
            }
        }

        /** The attempt on {@link #upstream} ended: feeds its latency to the balancer, its outcome to the detector. */
        void attemptEnded(boolean failed) {
            long now = System.nanoTime();
            upstream.end(now, now - started, failed);
            if (set.outliers().record(upstream, failed, now)) {
                ejected(now);
            }
            if (attemptSpan != null) {
                RequestTracing.end(attemptSpan, responseStarted ? status : 0, failed && !responseStarted
                        ? "no response from " + upstream.address() : null);
                attemptSpan = null;
            }
        }

        /** The failure just recorded ejected {@link #upstream}: operators hear of it, with this request's ids. */
        private void ejected(long now) {
            try (LogIds ids = LogIds.of(ids())) {
                LOG.warn("route {}: upstream {} ejected for {} s after {} failures in a row (ejection {})",
                        route.name(), upstream.address(), TimeUnit.NANOSECONDS.toSeconds(
                                upstream.ejectedUntilNanos() - now), set.outliers().settings().consecutiveFailures(),
                        upstream.ejections());
            }
        }

        /** The ids of the request's span, for log lines (invalid when not traced). */
        SpanContext ids() {
            return span == null ? SpanContext.getInvalid() : span.getSpanContext();
        }

        /** Counts the response sent for this exchange. */
        void answered(int code) {
            SpanContext ids = ids();
            endSpans(code, null);
            counted(code, upstream == null ? null : upstream.address(), ids);
        }

        /** The client gave up or stalled: the attempt ends, and it is not held against the upstream. */
        void abandoned() {
            endAttemptBlameless();
            endSpans(0, "the client went away or stalled");
        }

        /** The attempt under way, if any, ends for a reason that is not the upstream's: its balancer hears of it. */
        void endAttemptBlameless() {
            if (upstream != null) {
                long now = System.nanoTime();
                upstream.end(now, now - started, false);
            }
        }

        /** Ends what spans are open (the attempt's, then the request's), with the response status or a failure. */
        void endSpans(int status, String failure) {
            if (attemptSpan != null) {
                RequestTracing.end(attemptSpan, status, failure);
                attemptSpan = null;
            }
            if (span != null) {
                RequestTracing.end(span, status, failure);
                span = null;
            }
        }

        /** Drops what is left of the exchange: body parts not sent, and its upstream connection. */
        void drop() {
            releasePending();
            if (channel != null) {
                channel.close();
            }
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx;
        rawOut = ctx.pipeline().context(HttpResponseEncoder.class);
        listenerPort = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        clientAddress = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
        awaitRequest(context.requestTimeout());
        ctx.read();
    }

    /**
     * A connection waiting for a request head is closed when none has come whole within {@code timeout}: the first
     * request gets {@code --timeout-http-request} (so a client sending headers byte by byte cannot hold a connection),
     * later ones {@code --timeout-keep-alive}. The decoder hands over nothing before the head is complete, so the first
     * message read ends the wait.
     *
     * <p>Requests only move the deadline; the one timer of the connection checks it when it fires and sleeps again
     * for what is left, so a busy keep-alive connection does not schedule and cancel a timer per request.
     */
    private void awaitRequest(Duration timeout) {
        waitTimeout = timeout;
        waitDeadline = System.nanoTime() + timeout.toNanos();
        if (waitTimer == null) {
            checkWaitIn(timeout.toNanos());
        }
    }

    private void checkWaitIn(long nanos) {
        waitTimerAt = System.nanoTime() + nanos;
        waitTimer = client.executor().schedule(this::checkWait, nanos, TimeUnit.NANOSECONDS);
    }

    private void checkWait() {
        waitTimer = null;
        if (exchange != null && client.channel().isActive()) {
            checkClientStall(exchange);
            return;
        }
        if (waitDeadline == 0 || !client.channel().isActive()) {
            return; // a request came; the next wait schedules the timer again
        }
        long left = waitDeadline - System.nanoTime();
        if (left > 0) {
            checkWaitIn(left);
        } else if (clientBacklogged()) {
            awaitRequest(waitTimeout); // the last answer is still on its way: the wait starts when it has left
        } else if (exchange == null) {
            client.close();
        }
    }

    /** Whether bytes written to the client have not left yet: the client is not taking them as fast as they come. */
    private boolean clientBacklogged() {
        ChannelOutboundBuffer unsent = client.channel().unsafe().outboundBuffer();
        return unsent != null && unsent.totalPendingWriteBytes() > 0;
    }

    private void stopWaiting() {
        waitDeadline = 0;
    }

    /**
     * An exchange starts: the connection's timer must fire within the client timeout of the rule, to watch for a
     * stalled client. It is usually armed already (for the wait that just ended) and early enough; it is set again
     * only when it would fire later than that.
     */
    private void watchClient(long clientTimeoutNanos) {
        if (waitTimer != null && waitTimerAt - clientProgress <= clientTimeoutNanos) {
            return;
        }
        stopTimer();
        checkDuringExchangeIn(clientTimeoutNanos);
    }

    /** The connection's timer, whatever it was set for, will not fire. */
    private void stopTimer() {
        stopWaiting();
        if (waitTimer != null) {
            waitTimer.cancel(false);
            waitTimer = null;
        }
    }

    /** Nothing more is read as HTTP here (the connection closed, or became a tunnel): no timer, nothing queued. */
    private void endHttp() {
        stopTimer();
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
    }

    /**
     * Never later than a keep-alive timeout from now: the wait for the next request, which the same timer watches,
     * must not end late because the timer was set during a long exchange.
     */
    private void checkDuringExchangeIn(long nanos) {
        checkWaitIn(Math.min(nanos, context.keepAliveTimeout().toNanos()));
    }

    /**
     * In the middle of an exchange, the proxy may be waiting on the client: for more of the request body, or for it to
     * take response bytes already sent. When the client has made no progress for {@code --timeout-client} (or the
     * rule's {@code timeouts.client}) while so awaited, the exchange ends: 408 if no response has started, else the
     * connection is closed. The connection's one timer does the checking, armed when the exchange starts.
     */
    private void checkClientStall(Exchange ex) {
        long limit = context.clientTimeout(ex.rule).toNanos();
        boolean awaited = !ex.requestDone || clientBacklogged();
        long idle = System.nanoTime() - clientProgress;
        if (!awaited || idle < limit) {
            checkDuringExchangeIn(awaited ? limit - idle : limit);
            return;
        }
        ex.abandoned();
        if (ex.responseStarted) {
            abort(ex);
        } else {
            failExchange(ex, HttpResponseStatus.REQUEST_TIMEOUT, "route " + ex.route.name() + ": the client sent"
                    + " no more of its request within " + context.clientTimeout(ex.rule).toMillis() + " ms");
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        stopWaiting();
        clientProgress = System.nanoTime();
        if (!(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (exchange != null || !waiting.isEmpty() && msg instanceof HttpRequest) {
            if (exchange != null && !exchange.requestDone && !(msg instanceof HttpRequest)) {
                body((HttpContent) msg);
            } else {
                waiting.add((HttpObject) msg); // pipelined: after the current exchange
            }
            return;
        }
        handle((HttpObject) msg);
    }

    /**
     * The socket read is done: what it wrote upstream leaves in one flush (a request head and its end arrive in the same
     * read, and the end would otherwise be flushed on its own).
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        Channel upstream = upstreamUnflushed;
        if (upstream != null) {
            upstreamUnflushed = null;
            upstream.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** Flushes {@code upstream} now, or when the client read under way completes. */
    private void flushUpstream(Channel upstream) {
        if (!reading) {
            upstream.flush();
            return;
        }
        if (upstreamUnflushed != null && upstreamUnflushed != upstream) {
            upstreamUnflushed.flush();
        }
        upstreamUnflushed = upstream;
    }

    private void handle(HttpObject msg) {
        if (discarding || !(msg instanceof HttpRequest request)) {
            if (msg.decoderResult().isFailure()) { // the body being dropped is malformed: where the next request starts is unknown
                ReferenceCountUtil.release(msg);
                client.close();
                return;
            }
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                discarding = false;
            }
            next();
            return;
        }
        boolean complete = msg instanceof LastHttpContent;
        method = request.method().name();
        target = request.uri();
        route = null;
        requestStart = clientProgress;
        requestSpan = null;
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            ReferenceCountUtil.release(msg);
            boolean tooLarge = cause instanceof TooLongHttpHeaderException;
            answer(tooLarge ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : HttpResponseStatus.BAD_REQUEST, "bad request: " + cause.getMessage(), false, true);
            return;
        }
        String framing = Framing.problem(request.headers()).orElse(null);
        if (framing != null) {
            ReferenceCountUtil.release(msg);
            answer(HttpResponseStatus.BAD_REQUEST, "bad request: " + framing, false, true);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String host = request.headers().get(HttpHeaderNames.HOST, "");
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        if (context.tracing().enabled()) {
            requestSpan = context.tracing().serverSpan(request.headers(), method, path, host, clientAddress);
        }
        Match match = context.table().get().match(new RequestFacts(request.method().name(), host, path,
                name -> request.headers().get(name), listenerPort));
        if (!(match instanceof Match.Matched matched)) {
            ReferenceCountUtil.release(msg);
            if (match instanceof Match.MethodNotAllowed refused) {
                routed(refused.route());
                FullHttpResponse response = Responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "route " + refused.route().name() + ": method " + request.method() + " not allowed", keepAlive);
                response.headers().set(HttpHeaderNames.ALLOW, String.join(", ", refused.allow()));
                send(response, keepAlive, complete);
            } else {
                answer(HttpResponseStatus.NOT_FOUND, "no route for " + host + path, keepAlive, complete);
            }
            return;
        }
        routed(matched.route());
        Access access = context.access().decide(matched.route(), matched.rule(), false, host, target,
                name -> request.headers().get(name));
        if (!(access instanceof Access.Proceed)) {
            ReferenceCountUtil.release(msg);
            refuse(access, keepAlive, complete);
            return;
        }
        Upstreams.Set set = context.upstreams().of(matched.route(), matched.rule(), matched.endpoints());
        if (set.upstreams().isEmpty() || !set.anyHealthy()) {
            ReferenceCountUtil.release(msg);
            answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "route " + matched.route().name() + ": no healthy endpoint"
                    + (set.upstreams().isEmpty() ? "" : " (every one fails its health check)"), keepAlive, complete);
            return;
        }
        String upgrade = upgradeOf(request);
        String upstreamTarget = HeaderRewrite.rewriteTarget(target, matched.rule().rewrite());
        HttpRequest head;
        if (msg instanceof HttpContent) { // a head that carries a body part too: the head goes on its own
            head = new DefaultHttpRequest(request.protocolVersion(), request.method(), upstreamTarget,
                    request.headers().copy());
        } else { // the usual case: the decoded head itself is readied for the upstream, nothing copied
            head = request.setUri(upstreamTarget);
        }
        head.headers().remove(HttpHeaderNames.EXPECT); // answered here by HttpServerExpectContinueHandler
        HeaderRewrite.request(head.headers(), matched.rule(), clientAddress, false);
        HttpUtil.setKeepAlive(head, true);
        if (upgrade != null) {
            HeaderRewrite.upgrade(head.headers(), upgrade);
        }
        exchange = new Exchange(head, matched.route(), matched.rule(), set, keepAlive, upgrade);
        exchange.span = requestSpan;
        requestSpan = null;
        watchClient(context.clientTimeout(matched.rule()).toNanos());
        if (msg instanceof HttpContent content) {
            body(content); // a request that came whole (the codec may deliver head and body together)
        }
        connect(exchange);
    }

    /** The request being handled matched {@code matched}: its metrics and its span name the route. */
    private void routed(Route matched) {
        route = matched.name();
        if (requestSpan != null) {
            RequestTracing.routed(requestSpan, method, route);
        }
    }

    /** The protocol of an {@code Upgrade} request ({@code Connection: upgrade} with an {@code Upgrade} header), or null. */
    private static String upgradeOf(HttpRequest request) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        return upgrade != null && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                ? upgrade : null;
    }

    private void refuse(Access access, boolean keepAlive, boolean complete) {
        FullHttpResponse response;
        if (access instanceof Access.Redirect r) {
            response = Responses.text(HttpResponseStatus.valueOf(r.status()), "redirecting to " + r.location(), keepAlive);
            response.headers().set(HttpHeaderNames.LOCATION, r.location());
        } else if (access instanceof Access.Unauthorized u) {
            response = Responses.text(HttpResponseStatus.UNAUTHORIZED, "authentication required", keepAlive);
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, u.challenge());
        } else {
            response = Responses.text(HttpResponseStatus.FORBIDDEN, ((Access.Forbidden) access).reason(), keepAlive);
        }
        send(response, keepAlive, complete);
    }

    private void answer(HttpResponseStatus status, String body, boolean keepAlive, boolean complete) {
        send(Responses.text(status, body, keepAlive), keepAlive, complete);
    }

    /**
     * Counts the answer to the request being handled, whoever gave it (the proxy, or {@code upstream}): its duration
     * by route, method and status, and its access-log line. The request's fields stay those of the exchange until it
     * has been answered (a pipelined request waits its turn).
     */
    private void counted(int code, String upstream, SpanContext ids) {
        long nanos = System.nanoTime() - requestStart;
        recorded.request(route, method, code, nanos);
        context.accessLog().log(clientAddress, method, target, code, nanos, route, upstream, ids);
    }

    /** Sends a local answer; the rest of the request's body, if any, is read and dropped before the next request. */
    private void send(FullHttpResponse response, boolean keepAlive, boolean requestComplete) {
        int code = response.status().code();
        SpanContext ids = SpanContext.getInvalid();
        if (requestSpan != null) {
            ids = requestSpan.getSpanContext();
            RequestTracing.end(requestSpan, code, null);
            requestSpan = null;
        }
        counted(code, null, ids);
        if (HttpMethod.HEAD.name().equals(method)) {
            response.content().clear(); // its Content-Length stays: the length a GET would have had
        }
        if (draining && keepAlive) {
            HttpUtil.setKeepAlive(response, false);
            keepAlive = false;
        }
        ChannelFuture written = client.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        discarding = !requestComplete;
        next();
    }

    /** Ready for what comes next: a waiting (pipelined) message, or another read. */
    private void next() {
        HttpObject queued = waiting.poll();
        if (queued != null) {
            handle(queued);
        } else if (client.channel().isActive()) {
            if (exchange == null && !discarding) {
                awaitRequest(context.keepAliveTimeout());
            }
            client.read();
        }
    }

    // ---------------------------------------------------------------------------------------- request upstream

    private void body(HttpContent content) {
        Exchange ex = exchange;
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            malformedBody(ex, cause);
            return;
        }
        if (content instanceof LastHttpContent) {
            ex.requestDone = true;
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
            upstream.write(content).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    upstreamFailed(ex, f.channel(), f.cause());
                } else if (exchange == ex) {
                    client.read();
                }
            });
        }
        flushUpstream(upstream);
    }

    /**
     * The request body stopped decoding part-way (the decoder hands the failure over as a last part): the upstream
     * must never see it end, since a body ended by the proxy would be a complete, truncated request to the backend.
     * Its connection is closed, the client gets a 400 if nothing was answered yet, and its connection closes too,
     * since where its next request would start is unknown.
     */
    private void malformedBody(Exchange ex, Throwable cause) {
        ex.endAttemptBlameless();
        if (ex.responseStarted) {
            ex.endSpans(0, "malformed request body");
            abort(ex);
        } else {
            failExchange(ex, HttpResponseStatus.BAD_REQUEST, "route " + ex.route.name()
                    + ": malformed request body (" + cause.getMessage() + ")");
        }
    }

    private void connect(Exchange ex) {
        long now = System.nanoTime();
        List<Upstream> candidates;
        if (ex.tried.isEmpty() && ex.set.probes().isEmpty() && ex.set.outliers().noneEjected(now)) {
            candidates = ex.set.upstreams(); // the common case: nothing to leave out, nothing to copy
        } else {
            candidates = new ArrayList<>(ex.set.outliers().available(now));
            candidates.removeAll(ex.tried);
            ex.set.removeUnhealthy(candidates);
        }
        if (candidates.isEmpty()) {
            failExchange(ex, HttpResponseStatus.BAD_GATEWAY, "route " + ex.route.name() + ": no upstream accepted the connection");
            return;
        }
        Upstream upstream = ex.set.balancer().pick(candidates);
        ex.tried.add(upstream);
        ex.upstream = upstream;
        if (ex.span != null) {
            HostPort endpoint = EndpointAddresses.parse(upstream.address());
            ex.attemptSpan = context.tracing().attemptSpan(ex.span, ex.head.headers(), method, endpoint.host(),
                    endpoint.port(), ex.tried.size() - 1);
        }
        ex.started = System.nanoTime();
        upstream.start();
        Channel pooled = UpstreamPool.current().acquire(upstream.address());
        if (pooled != null) {
            pooled.pipeline().get(UpstreamHandler.class).lease(this);
            // the server timeout counts from the last read, which was while the connection sat idle: restart it
            IdleStateHandler timer = pooled.pipeline().get(IdleStateHandler.class);
            if (timer.getReaderIdleTimeInMillis() == ex.serverTimeout.toMillis()) {
                timer.resetReadTimeout(); // no new timer per request
            } else {
                pooled.pipeline().replace(timer, "server-timeout", serverTimeout(ex));
            }
            ex.reused = true;
            attach(ex, pooled);
            return;
        }
        open(ex, upstream);
    }

    private void open(Exchange ex, Upstream upstream) {
        HostPort target = EndpointAddresses.parse(upstream.address());
        ProxyHandler proxy = this;
        new Bootstrap().group(client.channel().eventLoop()).channel(Transports.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOCATOR, Transports.allocator())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) context.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ResponseReader responses = new ResponseReader();
                        ch.pipeline().addLast(responses.requestEncoder(), responses, serverTimeout(ex),
                                new UpstreamHandler(proxy));
                    }
                })
                .connect(target.host(), target.port())
                .addListener((ChannelFutureListener) f -> {
                    if (exchange != ex) {
                        f.channel().close();
                    } else if (f.isSuccess()) {
                        attach(ex, f.channel());
                    } else {
                        connectFailed(ex, f.cause());
                    }
                });
    }

    /** Signals each span of the rule's server timeout without a byte from the upstream; see {@link #onUpstreamIdle}. */
    private static IdleStateHandler serverTimeout(Exchange ex) {
        return new IdleStateHandler(ex.serverTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
    }

    private void attach(Exchange ex, Channel channel) {
        ex.channel = channel;
        ArrayDeque<HttpContent> parts = ex.pending;
        ex.pending = null;
        if (parts != null) { // known before the first write, which may fail at once and ask whether to resend
            parts.forEach(part -> ex.bodySent |= part.content().isReadable());
        }
        // Void promises: a failed write reaches onUpstreamFailure through the upstream pipeline's exceptionCaught.
        channel.write(ex.head, channel.voidPromise());
        if (parts != null) {
            parts.forEach(part -> channel.write(part, channel.voidPromise()));
        }
        flushUpstream(channel);
        channel.read(); // the response may come before the request is complete
        if (!ex.requestDone) {
            client.read();
        }
    }

    /** A refused or timed-out connect: retried on another upstream while nothing of the request was sent. */
    private void connectFailed(Exchange ex, Throwable cause) {
        ex.attemptEnded(true);
        context.metrics().connectFailed(ex.route.name());
        int retries = ex.route.spec().retries().attempts();
        if (ex.idempotent && !ex.bodySent && ex.tried.size() <= retries) {
            connect(ex);
            return;
        }
        failExchange(ex, HttpResponseStatus.BAD_GATEWAY, "route " + ex.route.name() + ": upstream "
                + ex.upstream.address() + " refused the connection (" + cause.getMessage() + ")");
    }

    // ---------------------------------------------------------------------------------------- response back

    /**
     * A part of the upstream's response, as {@link ResponseReader} hands it on: a head, body bytes, the end. Heads are
     * re-written for the client (hop-by-hop headers out, the rule's changes in, the proxy's {@code Connection}); body
     * bytes go as they came.
     */
    void onResponse(Channel upstreamChannel, Object msg) {
        Exchange ex = exchange;
        if (ex == null || ex.channel != upstreamChannel) {
            ReferenceCountUtil.release(msg);
            upstreamChannel.close();
            return;
        }
        if (msg instanceof ResponseReader.End end) {
            // No promise per write: a failed write closes the client connection (exceptionCaught), and channelInactive
            // ends the exchange.
            toClient(end.content());
            sendToClient();
            complete(ex);
            return;
        }
        if (msg instanceof ResponseHead head) {
            if (head.status() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                switchProtocols(ex, upstreamChannel, head);
                return;
            }
            writeUnsent(); // an interim head before this one
            unsent = head(ex, head);
        } else {
            // Parts before the end are flushed together when the upstream read completes (one write for a head and
            // the body that came with it).
            toClient((ByteBuf) msg);
        }
        // Backpressure: the upstream is read again while the client connection is below its high-water mark, else
        // once it has drained (channelWritabilityChanged).
        if (client.channel().isWritable()) {
            clientProgress = System.nanoTime();
            upstreamChannel.read();
        } else {
            ex.awaitingWritable = true;
        }
    }

    /** Response bytes for the client: into the unsent head while they fit, else written after it. */
    private void toClient(ByteBuf bytes) {
        int n = bytes.readableBytes();
        if (unsent != null && n <= unsent.maxFastWritableBytes()) {
            unsent.writeBytes(bytes);
            bytes.release();
            return;
        }
        writeUnsent();
        if (n > 0) {
            rawOut.write(bytes, rawOut.voidPromise());
            clientUnflushed = true;
        } else {
            bytes.release();
        }
    }

    private void writeUnsent() {
        ByteBuf head = unsent;
        if (head != null) {
            unsent = null;
            rawOut.write(head, rawOut.voidPromise());
            clientUnflushed = true;
        }
    }

    /** An unsent head that will not be sent: the exchange ended before its upstream read did. */
    private void dropUnsent() {
        ReferenceCountUtil.release(unsent); // null when there is none
        unsent = null;
    }

    /** The bytes of a response head for the client; an interim (1xx) one goes as it came, but for hop-by-hop headers. */
    private ByteBuf head(Exchange ex, ResponseHead head) {
        try {
            if (head.interim()) {
                return head.encodeInterim(client.alloc());
            }
            ex.responseStarted = true;
            ex.status = head.status();
            ex.upstreamKeepAlive = head.keepAlive();
            // a body that ends with the upstream's close can only end with the client's too
            ex.closeClient = !ex.clientKeepAlive || draining
                    || head.endsWithClose(HttpMethod.HEAD.equals(ex.head.method()));
            return head.encode(client.alloc(), ex.rule.responseHeaders(), !ex.closeClient);
        } finally {
            head.release();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ctx.channel().isWritable()) {
            clientProgress = System.nanoTime(); // the client took what was waiting
            if (ex != null && ex.awaitingWritable) {
                ex.awaitingWritable = false;
                ex.channel.read();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * The upstream agreed to switch protocols: the 101 goes to the client, and the two connections become a
     * {@link Tunnel}. The upstream connection is never pooled again; the client connection carries no more HTTP.
     */
    private void switchProtocols(Exchange ex, Channel upstreamChannel, ResponseHead head) {
        if (ex.upgrade == null) {
            head.release();
            upstreamFailed(ex, upstreamChannel, new InvalidResponseException("a 101 to a request that asked for no upgrade"));
            return;
        }
        ByteBuf switching;
        try {
            String protocol = head.upgrade() != null ? head.upgrade() : ex.upgrade;
            switching = head.encodeSwitch(client.alloc(), ex.rule.responseHeaders(), protocol);
        } finally {
            head.release();
        }
        ex.attemptEnded(false);
        ex.answered(HttpResponseStatus.SWITCHING_PROTOCOLS.code());
        exchange = null;
        endHttp(); // nothing may follow an upgrade request as HTTP
        writeUnsent(); // an interim head before it
        rawOut.writeAndFlush(switching);
        Tunnel.join(client.channel(), upstreamChannel, context.tunnelTimeout(ex.rule));
    }

    /** The upstream has no more to give for now: send what was written to the client so far. */
    void onUpstreamReadComplete() {
        sendToClient();
    }

    /** Writes the unsent head, if any, and flushes what the client connection has been given since the last flush. */
    private void sendToClient() {
        writeUnsent();
        if (clientUnflushed) {
            clientUnflushed = false;
            client.flush();
        }
    }

    private void complete(Exchange ex) {
        ex.attemptEnded(ex.status >= 500);
        ex.answered(ex.status);
        exchange = null;
        if (ex.upstreamKeepAlive && ex.requestDone) {
            UpstreamPool.current().release(ex.upstream.address(), ex.channel);
        } else {
            ex.channel.close();
        }
        if (ex.closeClient || draining) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        discarding = !ex.requestDone; // the upstream answered before taking the whole body: drop the rest
        ex.releasePending();
        next();
    }

    /**
     * The upstream sent nothing for a server timeout. It is at fault only if the proxy was waiting on it: not while
     * the client still owes request body, nor while the client has not taken what the upstream already sent.
     */
    void onUpstreamIdle(Channel upstreamChannel) {
        Exchange ex = exchange;
        if (ex == null || ex.channel != upstreamChannel) {
            upstreamChannel.close();
            return;
        }
        if (!ex.requestDone || clientBacklogged()) {
            return;
        }
        context.metrics().upstreamTimeout(ex.route.name());
        upstreamFailed(ex, upstreamChannel, ReadTimeoutException.INSTANCE);
    }

    void onUpstreamFailure(Channel upstreamChannel, Throwable cause) {
        Exchange ex = exchange;
        if (ex == null || ex.channel != upstreamChannel) {
            upstreamChannel.close();
            return;
        }
        upstreamFailed(ex, upstreamChannel, cause);
    }

    private void upstreamFailed(Exchange ex, Channel upstreamChannel, Throwable cause) {
        upstreamChannel.close();
        if (exchange != ex) {
            return;
        }
        boolean invalid = cause instanceof InvalidResponseException;
        if (ex.reused && !ex.responseStarted && !ex.bodySent && ex.idempotent && !invalid) {
            // A pooled connection the upstream had closed as we sent: not the upstream's failure, send it again
            // on a new connection (HTTP/1.1 §9.3.1 allows it for idempotent requests).
            ex.reused = false;
            ex.channel = null;
            if (ex.requestDone) {
                ex.hold(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            open(ex, ex.upstream);
            return;
        }
        ex.attemptEnded(true);
        if (ex.responseStarted) {
            abort(ex); // half a response cannot be mended
            return;
        }
        boolean timeout = cause instanceof ReadTimeoutException;
        failExchange(ex, timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                "route " + ex.route.name() + ": upstream " + ex.upstream.address()
                        + (timeout ? " did not answer within " + ex.serverTimeout.toMillis() + " ms"
                        : invalid ? " sent an invalid response: " + cause.getMessage()
                        : " closed the connection"));
    }

    /** Answers the client with an error for the current exchange and closes: its request stream is unknown now. */
    private void failExchange(Exchange ex, HttpResponseStatus status, String message) {
        writeUnsent(); // an interim head before the failure
        ex.answered(status.code());
        exchange = null;
        ex.drop();
        client.writeAndFlush(Responses.text(status, message, false)).addListener(ChannelFutureListener.CLOSE);
    }

    private void abort(Exchange ex) {
        dropUnsent();
        exchange = null;
        ex.drop();
        client.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropUnsent();
        Exchange ex = exchange;
        exchange = null;
        if (ex != null) {
            ex.drop();
            ex.abandoned();
        }
        endHttp();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event != DRAIN) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        draining = true;
        if (exchange == null && waiting.isEmpty()) { // between requests: what was sent still leaves first
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
