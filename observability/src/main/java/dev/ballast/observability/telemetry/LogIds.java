package dev.ballast.observability.telemetry;

import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.MDC;

/**
 * Puts a span's ids in the logging context ({@code trace_id}, {@code span_id}: MDC fields, which the text format
 * shows after the message and {@code --log-format json} writes as fields) for the lines logged until closed:
 *
 * <pre>try (LogIds ids = LogIds.of(span.getSpanContext())) { log.warn(…); }</pre>
 *
 * <p>An invalid context (tracing off, no span) puts nothing. Closing removes what was put; scopes do not nest.
 */
public final class LogIds implements AutoCloseable {

    public static final String TRACE_ID = "trace_id";
    public static final String SPAN_ID = "span_id";

    private static final LogIds PUT = new LogIds(true);
    private static final LogIds NOTHING = new LogIds(false);

    private final boolean put;

    private LogIds(boolean put) {
        this.put = put;
    }

    public static LogIds of(SpanContext span) {
        if (!span.isValid()) {
            return NOTHING;
        }
        MDC.put(TRACE_ID, span.getTraceId());
        MDC.put(SPAN_ID, span.getSpanId());
        return PUT;
    }

    @Override
    public void close() {
        if (put) {
            MDC.remove(TRACE_ID);
            MDC.remove(SPAN_ID);
        }
    }
}
