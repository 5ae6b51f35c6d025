package dev.ballast.dataplane.telemetry;

import static dev.ballast.dataplane.telemetry.HttpAttributes.METHOD;
import static dev.ballast.dataplane.telemetry.HttpAttributes.ROUTE;
import static dev.ballast.dataplane.telemetry.HttpAttributes.SERVER_ADDRESS;
import static dev.ballast.dataplane.telemetry.HttpAttributes.STATUS;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * Spans of proxied requests, with HTTP semantic conventions: a server span per request, child of the context the
 * client sent ({@code traceparent}, {@code tracestate}, baggage), and a client span per attempt at an upstream, whose
 * context goes upstream in place of the client's, so the backend sees the proxy's span as its parent. Retries show as
 * sibling client spans. Nothing happens when tracing is off ({@link #enabled()} is false).
 */
public final class RequestTracing {

    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    private static final AttributeKey<Long> RESEND = AttributeKey.longKey("http.request.resend_count");

    private static final TextMapGetter<HttpHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders headers) {
            return headers.names();
        }

        @Override
        public String get(HttpHeaders headers, String key) {
            return headers == null ? null : headers.get(key);
        }
    };
    private static final TextMapSetter<HttpHeaders> SETTER = (headers, key, value) -> headers.set(key, value);

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final boolean enabled;

    public RequestTracing(Tracer tracer, TextMapPropagator propagator, boolean enabled) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The server span of a request, started as its head is read (before routing: answers the proxy gives itself, 404
     * included, have one too); its parent comes from the request's headers as the client sent them. Named after the
     * method until {@link #routed} names the route.
     */
    public Span serverSpan(HttpHeaders headers, String method, String path, String host, String client) {
        Context parent = propagator.extract(Context.root(), headers, GETTER);
        return tracer.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, method).setAttribute(PATH, path)
                .setAttribute(SERVER_ADDRESS, host).setAttribute(CLIENT_ADDRESS, client)
                .startSpan();
    }

    /**
     * The span of a TLS handshake on connection from {@code client} (a root span: a handshake carries no trace
     * context); the invalid span when tracing is off.
     */
    public Span handshakeSpan(String client) {
        if (!enabled) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder("TLS handshake").setSpanKind(SpanKind.SERVER).setNoParent()
                .setAttribute(CLIENT_ADDRESS, client).startSpan();
    }

    /** The request matched {@code route}: the span is named {@code METHOD route} and carries {@code http.route}. */
    public static void routed(Span span, String method, String route) {
        span.updateName(method + " " + route);
        span.setAttribute(ROUTE, route);
    }

    /**
     * A client span for attempt {@code attempt} (0 first) at {@code host:port}; its context replaces the trace headers
     * going upstream.
     */
    public Span attemptSpan(Span server, HttpHeaders upstream, String method, String host, int port, int attempt) {
        Span span = tracer.spanBuilder(method).setParent(Context.root().with(server)).setSpanKind(SpanKind.CLIENT)
                .setAttribute(METHOD, method).setAttribute(SERVER_ADDRESS, host).setAttribute(SERVER_PORT, (long) port)
                .startSpan();
        if (attempt > 0) {
            span.setAttribute(RESEND, (long) attempt);
        }
        propagator.inject(Context.root().with(span), upstream, SETTER);
        return span;
    }

    /** Ends a span with the response status ({@code 0}: none came), marking 5xx and failures as errors. */
    public static void end(Span span, int status, String failure) {
        if (status > 0) {
            span.setAttribute(STATUS, (long) status);
        }
        if (failure != null) {
            span.setStatus(StatusCode.ERROR, failure);
        } else if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}
