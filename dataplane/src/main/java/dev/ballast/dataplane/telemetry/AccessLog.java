package dev.ballast.dataplane.telemetry;

import dev.ballast.observability.telemetry.LogIds;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per response the proxy sends, on the logger {@code ballast.access} (asynchronous, never blocking, stdout in
 * the packaged configuration), when {@code --access-log} is on:
 *
 * <pre>CLIENT "METHOD TARGET" STATUS DURATION_MS ROUTE UPSTREAM TRACE_ID [REFUSAL]</pre>
 *
 * <p>for instance {@code 10.0.0.7 "GET /http/hello" 200 1.204 http 10.0.1.5:8080 4bf92f3577b34da6a3ce929d0e0e4736};
 * {@code -} stands for no route (404), for no upstream (an answer of the proxy's own) and for no trace (tracing off).
 * TARGET is the request target as the client sent it. REFUSAL, only on the answers of a limit, says which one
 * refused the request ({@code rate_limited}, {@code source_range}, {@code body_too_large}, …: the {@code reason} of
 * {@code ballast_refusals_total}). The same fields are attached as key-value pairs, and the
 * request span's ids as {@code trace_id} and {@code span_id} MDC fields ({@link LogIds}), which {@code --log-format
 * json} writes as JSON fields.
 */
public final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger("ballast.access");

    private final boolean enabled;

    public AccessLog(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * A connection a limit closed before reading anything, in the same form as a request's line: {@code CLIENT "-
     * :PORT" 0 0.000 - - - REFUSAL}.
     */
    public void refusedConnection(String client, int listenerPort, String refusal) {
        if (enabled) {
            LOG.atInfo().addKeyValue("client", client).addKeyValue("listener_port", listenerPort)
                    .addKeyValue("refusal", refusal).log("{} \"- :{}\" 0 0.000 - - - {}", client, listenerPort, refusal);
        }
    }

    /** @param refusal the limit that refused the request, or null */
    public void log(String client, String method, String target, int status, long nanos, String route,
                    String upstream, SpanContext span, String refusal) {
        if (!enabled) {
            return;
        }
        String millis = String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
        String r = route == null ? "-" : route;
        String u = upstream == null ? "-" : upstream;
        String trace = span.isValid() ? span.getTraceId() : "-";
        try (LogIds ids = LogIds.of(span)) {
            LOG.atInfo().addKeyValue("client", client).addKeyValue("method", method).addKeyValue("target", target)
                    .addKeyValue("status", status).addKeyValue("duration_ms", millis).addKeyValue("route", r)
                    .addKeyValue("upstream", u).addKeyValue("refusal", refusal)
                    .log(refusal == null ? "{} \"{} {}\" {} {} {} {} {}" : "{} \"{} {}\" {} {} {} {} {} {}", client,
                            method, target, status, millis, r, u, trace, refusal);
        }
    }
}
