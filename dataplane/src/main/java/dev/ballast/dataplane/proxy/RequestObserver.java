package dev.ballast.dataplane.proxy;

import dev.ballast.config.HostPort;
import dev.ballast.dataplane.limits.Refusal;
import dev.ballast.dataplane.telemetry.AccessLog;
import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.RequestTracing;
import dev.ballast.schema.EndpointAddresses;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * What is recorded of the request a client connection is handling, whoever answers it: its duration by route, method
 * and status, its access-log line, its server span and the client span of each upstream attempt. One per client
 * connection, reused from request to request (a connection handles one request at a time; a pipelined one waits its
 * turn), so recording costs no allocation per request.
 */
final class RequestObserver {

    private final DataplaneMetrics.Recorder recorded;
    private final DataplaneMetrics metrics;
    private final AccessLog accessLog;
    private final RequestTracing tracing;
    private final String clientAddress;
    private String method;
    private String target;
    private String route; // null: none matched
    private long start;
    private Span span; // the server span, when tracing
    private Span attemptSpan; // the client span of the attempt under way, when tracing
    private Refusal refusal; // the limit that refused the request, or null

    RequestObserver(ProxyContext context, String clientAddress) {
        this.recorded = context.metrics().recorder();
        this.metrics = context.metrics();
        this.accessLog = context.accessLog();
        this.tracing = context.tracing();
        this.clientAddress = clientAddress;
    }

    /** A request head was read at {@code start} ({@link System#nanoTime()}): a new record. */
    void begin(String method, String target, long start) {
        this.method = method;
        this.target = target;
        this.route = null;
        this.start = start;
        this.span = null;
        this.attemptSpan = null;
        this.refusal = null;
    }

    /** The request is well-formed enough to be routed: its server span starts, when tracing. */
    void trace(HttpHeaders headers, String path, String host) {
        if (tracing.enabled()) {
            span = tracing.serverSpan(headers, method, path, host, clientAddress);
        }
    }

    /** The request matched {@code route}: its metrics and its span name it. */
    void routed(String route) {
        this.route = route;
        if (span != null) {
            RequestTracing.routed(span, method, route);
        }
    }

    String method() {
        return method;
    }

    /** An attempt at {@code address} starts; its client span's context goes upstream in {@code upstreamHeaders}. */
    void attemptStarted(HttpHeaders upstreamHeaders, String address, int attempt) {
        if (span != null) {
            HostPort endpoint = EndpointAddresses.parse(address);
            attemptSpan = tracing.attemptSpan(span, upstreamHeaders, method, endpoint.host(), endpoint.port(), attempt);
        }
    }

    /** The attempt under way ended with {@code status} (0: no response) or {@code failure} (null: none). */
    void attemptEnded(int status, String failure) {
        if (attemptSpan != null) {
            RequestTracing.end(attemptSpan, status, failure);
            attemptSpan = null;
        }
    }

    /** The ids of the request's span, for log lines (invalid when not traced). */
    SpanContext ids() {
        return span == null ? SpanContext.getInvalid() : span.getSpanContext();
    }

    /** The request is refused by a limit: its answer, which comes next, is counted and logged with the reason. */
    void refused(Refusal reason) {
        refusal = reason;
        metrics.refused(route, reason);
    }

    /** {@link #refused(Refusal)} for a body cut off by a limit; returns it. */
    RequestBodyRefused refused(RequestBodyRefused body) {
        refused(body.reason());
        return body;
    }

    /** The request was answered with {@code code}, by {@code upstream} (null: by the proxy). */
    void answered(int code, String upstream) {
        SpanContext ids = ids();
        endSpans(code, null);
        long nanos = System.nanoTime() - start;
        recorded.request(route, method, code, nanos);
        accessLog.log(clientAddress, method, target, code, nanos, route, upstream, ids,
                refusal == null ? null : refusal.label());
        refusal = null;
    }

    /** The request ends without an answer (the client went away or stalled, or broke its request mid-answer). */
    void abandoned(String reason) {
        endSpans(0, reason);
    }

    private void endSpans(int status, String failure) {
        attemptEnded(status, failure);
        if (span != null) {
            RequestTracing.end(span, status, failure);
            span = null;
        }
    }
}
