package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.dataplane.exchange.BodyEncoder;
import dev.ballast.dataplane.exchange.CompressionPolicy;
import dev.ballast.dataplane.exchange.ContentCoding;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.dataplane.exchange.ResponseHead;
import dev.ballast.dataplane.http2.GrpcCalls;
import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.schema.BackendProtocol;
import dev.ballast.observability.telemetry.LogIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One routed request in flight, from its first upstream attempt to its answer: the attempts (which upstream, on which
 * connection, retried where that is safe), how far the request and the response have gone, and what the balancer, the
 * outlier detector and the observer hear of each attempt. Confined to the event loop of its client connection; the
 * {@link ExchangeRelay} there feeds it the request and the response.
 *
 * <p>A client connection handles one request at a time, so its relay reuses one exchange from request to request
 * ({@link #begin}) rather than allocating one per request. What completes later for an earlier request (a connect, a
 * write) checks that the exchange still serves the request it was started for ({@link #serves}).
 */
final class Exchange {

    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

    /** How far the upstream's answer has come. */
    enum Response {
        /** No final head yet: the proxy can still answer in its place (502, 504) or try again. */
        AWAITED,
        /** The final head came: half a response cannot be mended, only cut off. */
        STARTED
    }

    /** What an exchange needs of the client connection it serves. */
    interface ClientSide {
        /** Whether {@code exchange} is still the one the connection is serving. */
        boolean serving(Exchange exchange);

        /** Flushes what was written to {@code upstream}, now or once the client read under way ends. */
        void flushUpstream(Channel upstream);

        /** Reads more of the client's request. */
        void readRequest();

        /** Answers the client with the proxy's error in place of the upstream's answer, and ends the exchange. */
        void fail(Exchange exchange, HttpResponseStatus status, String message);

        /** Cuts off a response already under way, and ends the exchange. */
        void abort(Exchange exchange);
    }

    RoutedRequest request;
    Duration serverTimeout;
    /** Counts the requests begun: tells an earlier request's late completions from the current one's. */
    private int generation;
    final RequestObserver observer;
    private final DataplaneMetrics metrics;
    private final UpstreamConnector connector;
    private final ClientSide client;
    private final UpstreamListener listener;
    /** Body parts read before the upstream connection was ready; null while there are none (the usual case). */
    private ArrayDeque<HttpContent> pending;
    /** The upstreams of the attempts before the one under way; null until a retry (most requests make one attempt). */
    private List<Upstream> earlier;
    Upstream upstream;
    /** The connection of the attempt under way; null while connecting. */
    Channel channel;
    long started;
    /** The client has sent the whole request. */
    boolean requestDone;
    /** Body bytes went upstream: the request cannot be sent again. */
    boolean bodySent;
    /** On a pooled connection, which the upstream may have closed meanwhile. */
    boolean reused;
    Response response = Response.AWAITED;
    /** A response part waits for the client to drain before the upstream is read again. */
    boolean awaitingWritable;
    boolean upstreamKeepAlive;
    /** The client connection closes after this response: asked by the client, draining, or a close-ended body. */
    boolean closeClient;
    int status;
    /** The coding the client accepts if the response is to be compressed; null when it will not be. */
    ContentCoding coding;
    /** Compresses the response body; null unless the response is being compressed. */
    BodyEncoder encoder;

    /**
     * @param client the client connection it serves
     * @param listener who its upstream connections report to
     */
    Exchange(DataplaneMetrics metrics, RequestObserver observer, UpstreamConnector connector, ClientSide client,
             UpstreamListener listener) {
        this.metrics = metrics;
        this.observer = observer;
        this.connector = connector;
        this.client = client;
        this.listener = listener;
    }

    /** Starts serving {@code routed}, nothing of the request before it left; returns itself. */
    Exchange begin(RoutedRequest routed, ProxyContext context) {
        request = routed;
        serverTimeout = GrpcCalls.bound(context.serverTimeout(routed.rule()), routed.head().headers());
        generation++;
        pending = null;
        earlier = null;
        upstream = null;
        channel = null;
        requestDone = false;
        bodySent = false;
        reused = false;
        response = Response.AWAITED;
        awaitingWritable = false;
        upstreamKeepAlive = false;
        closeClient = false;
        status = 0;
        coding = null;
        encoder = null;
        return this;
    }

    /** Which request it is serving: pass it to {@link #serves} later. */
    int generation() {
        return generation;
    }

    /** Whether it still serves the request it was serving at {@code generation}, that request still under way. */
    boolean serves(int generation) {
        return this.generation == generation && client.serving(this);
    }

    String routeName() {
        return request.route().name();
    }

    boolean responseStarted() {
        return response == Response.STARTED;
    }

    /** Keeps a body part until the upstream connection is ready. */
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

    // ---------------------------------------------------------------------------------------- attempts

    /**
     * Starts an attempt: the upstream the client's sticky-session cookie pins, on a first attempt while it is
     * available, else one picked by the route's balancer among those not ejected, healthy and not tried yet; on a
     * pooled connection when there is one.
     */
    void connect() {
        if (upstream != null) { // a retry: the upstream tried last is left out, with any before it
            if (earlier == null) {
                earlier = new ArrayList<>(2);
            }
            earlier.add(upstream);
        }
        Upstreams.Set set = request.upstreams();
        long now = System.nanoTime();
        List<Upstream> candidates;
        if (earlier == null && set.probes().isEmpty() && set.outliers().noneEjected(now)) {
            candidates = set.upstreams(); // the common case: nothing to leave out, nothing to copy
        } else {
            candidates = new ArrayList<>(set.outliers().available(now));
            if (earlier != null) {
                candidates.removeAll(earlier);
            }
            set.removeUnhealthy(candidates);
        }
        if (candidates.isEmpty()) {
            client.fail(this, HttpResponseStatus.BAD_GATEWAY, "route " + routeName()
                    + ": no upstream accepted the connection");
            return;
        }
        upstream = pinned(candidates);
        if (upstream == null) {
            upstream = set.balancer().pick(candidates);
        }
        observer.attemptStarted(request.head().headers(), upstream.address(), attempt());
        started = System.nanoTime();
        upstream.start();
        Channel pooled = request.protocol() == BackendProtocol.HTTP1
                ? connector.reuse(upstream.address(), serverTimeout, listener) : null;
        if (pooled != null) {
            reused = true;
            attach(pooled);
            return;
        }
        open();
    }

    /** The attempt under way: 0 for the first, 1 for the first retry… */
    private int attempt() {
        return earlier == null ? 0 : earlier.size();
    }

    /** The upstream the client is pinned to, on a first attempt while it is one of {@code candidates}; else null. */
    private Upstream pinned(List<Upstream> candidates) {
        return request.pin() == null || earlier != null ? null : request.pin().in(candidates);
    }

    /**
     * The {@code Set-Cookie} value the answer carries: on a sticky route, when the upstream answering is not the one
     * the client's cookie pins (no cookie yet, or a new pin after its endpoint went, failed or was ejected); else null.
     */
    String stickyCookie() {
        return request.pin() == null ? null : request.pin().setCookie(upstream);
    }

    /**
     * The bytes of a response head for the client (the head is released); an interim (1xx) one goes as it came, but
     * for hop-by-hop headers. The final one starts the response: whether the client connection stays open after it,
     * whether its body is compressed, the sticky-session cookie when the client is pinned anew.
     */
    ByteBuf clientHead(ResponseHead head, ByteBufAllocator alloc, boolean draining, CompressionPolicy compression) {
        try {
            if (head.interim()) {
                return head.encodeInterim(alloc);
            }
            response = Response.STARTED;
            status = head.status();
            upstreamKeepAlive = head.keepAlive();
            // a body that ends with the upstream's close can only end with the client's too
            closeClient = !request.clientKeepAlive() || draining
                    || head.endsWithClose(HttpMethod.HEAD.equals(request.head().method()));
            String coded = null;
            if (coding != null && compression.applies(head)) {
                encoder = compression.encoder(coding, alloc, head.chunked());
                coded = coding.token();
            }
            return head.encode(alloc, request.rule().responseHeaders(), !closeClient, stickyCookie(), coded);
        } finally {
            head.release();
        }
    }

    private void open() {
        int opening = generation;
        connector.open(upstream.address(), request.protocol(), serverTimeout, listener).addListener(f -> {
            Channel opened = (Channel) f.getNow();
            if (!serves(opening)) {
                if (opened != null) {
                    opened.close();
                }
            } else if (f.isSuccess()) {
                attach(opened);
            } else {
                connectFailed(f.cause());
            }
        });
    }

    /** The connection is ready: the head goes, with what of the body came meanwhile. */
    private void attach(Channel connection) {
        channel = connection;
        ArrayDeque<HttpContent> parts = pending;
        pending = null;
        if (parts != null) { // known before the first write, which may fail at once and ask whether to resend
            parts.forEach(part -> bodySent |= part.content().isReadable());
        }
        // Void promises: a failed write reaches onUpstreamFailure through the upstream pipeline's exceptionCaught.
        connection.write(request.head(), connection.voidPromise());
        if (parts != null) {
            parts.forEach(part -> connection.write(part, connection.voidPromise()));
        }
        client.flushUpstream(connection);
        connection.read(); // the response may come before the request is complete
        if (!requestDone) {
            client.readRequest();
        }
    }

    /** A refused or timed-out connect: retried on another upstream while nothing of the request was sent. */
    private void connectFailed(Throwable cause) {
        attemptEnded(true);
        metrics.connectFailed(routeName());
        if (request.idempotent() && !bodySent && attempt() < request.route().spec().retries().attempts()) {
            connect();
            return;
        }
        client.fail(this, HttpResponseStatus.BAD_GATEWAY, "route " + routeName() + ": upstream "
                + upstream.address() + " refused the connection (" + cause.getMessage() + ")");
    }

    /**
     * The attempt's connection failed, timed out or answered nonsense. A pooled connection the upstream had closed
     * as we sent is not the upstream's failure: an idempotent request goes again on a new connection (HTTP/1.1
     * §9.3.1 allows it). Otherwise the client gets 502 or 504, or, when the response had started, is cut off.
     */
    void upstreamFailed(Channel connection, Throwable cause) {
        connection.close();
        if (!client.serving(this) || connection != channel) {
            return; // an earlier attempt's or request's connection
        }
        boolean invalid = cause instanceof InvalidResponseException;
        boolean timeout = cause instanceof ReadTimeoutException;
        // A pooled connection the upstream closed as the request went is resent; one that stayed silent for the
        // server timeout is the upstream's answer, not a stale connection: resending would double the wait and the load.
        if (reused && !responseStarted() && !bodySent && request.idempotent() && !invalid && !timeout) {
            reused = false;
            channel = null;
            if (requestDone) {
                hold(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            open();
            return;
        }
        attemptEnded(true);
        if (responseStarted()) {
            client.abort(this); // half a response cannot be mended
            return;
        }
        client.fail(this, timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                "route " + routeName() + ": upstream " + upstream.address()
                        + (timeout ? " did not answer within " + serverTimeout.toMillis() + " ms"
                        : invalid ? " sent an invalid response: " + cause.getMessage()
                        : " closed the connection"));
    }

    // ---------------------------------------------------------------------------------------- outcomes

    /** The attempt on {@link #upstream} ended: feeds its latency to the balancer, its outcome to the detector. */
    void attemptEnded(boolean failed) {
        long now = System.nanoTime();
        upstream.end(now, now - started, failed);
        if (request.upstreams().outliers().record(upstream, failed, now)) {
            ejected(now);
        }
        observer.attemptEnded(responseStarted() ? status : 0,
                failed && !responseStarted() ? "no response from " + upstream.address() : null);
    }

    /** The attempt under way, if any, ends for a reason that is not the upstream's: its balancer hears of it. */
    void attemptEndedBlameless() {
        if (upstream != null) {
            long now = System.nanoTime();
            upstream.end(now, now - started, false);
        }
    }

    /** The failure just recorded ejected {@link #upstream}: operators hear of it, with this request's ids. */
    private void ejected(long now) {
        try (LogIds ids = LogIds.of(observer.ids())) {
            LOG.warn("route {}: upstream {} ejected for {} s after {} failures in a row (ejection {})",
                    routeName(), upstream.address(), TimeUnit.NANOSECONDS.toSeconds(upstream.ejectedUntilNanos() - now),
                    request.upstreams().outliers().settings().consecutiveFailures(), upstream.ejections());
        }
    }

    /** The exchange is answered with {@code code}: recorded, with the upstream that answered if any. */
    void answered(int code) {
        observer.answered(code, upstream == null ? null : upstream.address());
    }

    /** The response body is done with, sent or not: its encoder, if any, gives back what it holds. */
    void endEncoding() {
        if (encoder != null) {
            encoder.close();
            encoder = null;
        }
    }

    /** Drops what is left of the exchange: body parts not sent, its encoder, and its upstream connection. */
    void drop() {
        releasePending();
        endEncoding();
        if (channel != null) {
            channel.close();
        }
    }
}
