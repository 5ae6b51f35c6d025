package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.balancing.Upstream;
import dev.ballast.dataplane.exchange.InvalidResponseException;
import dev.ballast.observability.telemetry.LogIds;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One routed request in flight, from its first upstream attempt to its answer: which upstreams were tried, the
 * connection of the attempt under way, how far the request and the response have gone. Confined to the event loop of
 * its client connection, like the {@link ExchangeRelay} that drives it.
 */
final class Exchange {

    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

    /** How far the upstream's answer has come. */
    enum Response {
        /** No final head yet: the proxy can still answer in its place (502, 504) or try again. */
        AWAITED,
        /** The final head came: half a response cannot be mended, only cut off. */
        STARTED
    }

    final RoutedRequest request;
    final boolean idempotent;
    final Duration serverTimeout;
    final RequestObserver observer;
    /** Body parts read before the upstream connection was ready; null while there are none (the usual case). */
    private ArrayDeque<HttpContent> pending;
    final List<Upstream> tried = new ArrayList<>(2);
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

    Exchange(RoutedRequest request, Duration serverTimeout, RequestObserver observer) {
        this.request = request;
        this.idempotent = IDEMPOTENT.contains(request.head().method());
        this.serverTimeout = serverTimeout;
        this.observer = observer;
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

    /** The parts held so far, handed over (null when there are none). */
    ArrayDeque<HttpContent> takePending() {
        ArrayDeque<HttpContent> parts = pending;
        pending = null;
        return parts;
    }

    void releasePending() {
        if (pending != null) {
            pending.forEach(ReferenceCountUtil::release);
            pending = null;
        }
    }

    /** An attempt on {@code next} starts. */
    void attempt(Upstream next) {
        tried.add(next);
        upstream = next;
        observer.attemptStarted(request.head().headers(), next.address(), tried.size() - 1);
        started = System.nanoTime();
        next.start();
    }

    /** Whether a failed connect may be tried on another upstream: nothing of the request was sent, retries are left. */
    boolean mayRetryConnect() {
        return idempotent && !bodySent && tried.size() <= request.route().spec().retries().attempts();
    }

    /**
     * Whether a failed pooled connection may be replaced by a new one to the same upstream: the upstream had closed
     * it as we sent, which is not its failure (HTTP/1.1 §9.3.1 allows sending an idempotent request again).
     */
    boolean mayResendOnNewConnection(Throwable cause) {
        return reused && !responseStarted() && !bodySent && idempotent && !(cause instanceof InvalidResponseException);
    }

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

    /** Drops what is left of the exchange: body parts not sent, and its upstream connection. */
    void drop() {
        releasePending();
        if (channel != null) {
            channel.close();
        }
    }
}
