package dev.ballast.dataplane.http2;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * What the proxy knows of gRPC (gRPC over HTTP/2, PROTOCOL-HTTP2.md): which requests are calls, how long a call's
 * {@code grpc-timeout} lets the proxy wait for its upstream, and how the proxy's own refusals read to a gRPC client
 * — a status in a trailers-only answer, never an HTML page.
 */
public final class GrpcCalls {

    private static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");

    private GrpcCalls() {
    }

    /** Whether a request with this {@code content-type} is a gRPC call. */
    public static boolean isCall(CharSequence contentType) {
        return contentType != null && AsciiString.regionMatches(contentType, true, 0, "application/grpc", 0, 16);
    }

    /** The shorter of {@code timeout} and the call's {@code grpc-timeout}, if the request has one that parses. */
    public static Duration bound(Duration timeout, HttpHeaders headers) {
        String value = headers.get(GRPC_TIMEOUT);
        if (value == null || value.length() < 2 || value.length() > 9) {
            return timeout;
        }
        long amount;
        try {
            amount = Long.parseLong(value, 0, value.length() - 1, 10);
        } catch (NumberFormatException e) {
            return timeout;
        }
        ChronoUnit unit = switch (value.charAt(value.length() - 1)) {
            case 'H' -> ChronoUnit.HOURS;
            case 'M' -> ChronoUnit.MINUTES;
            case 'S' -> ChronoUnit.SECONDS;
            case 'm' -> ChronoUnit.MILLIS;
            case 'u' -> ChronoUnit.MICROS;
            case 'n' -> ChronoUnit.NANOS;
            default -> null;
        };
        if (unit == null || amount < 0) {
            return timeout;
        }
        Duration asked = Duration.of(amount, unit);
        // the idle timer counts whole milliseconds: a deadline shorter than one would never fire
        asked = asked.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : asked;
        return asked.compareTo(timeout) < 0 ? asked : timeout;
    }

    /**
     * The gRPC status for the proxy's own HTTP answer {@code httpStatus} (gRPC's HTTP-to-status mapping, with a
     * timeout as DEADLINE_EXCEEDED).
     */
    static int status(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404, 405 -> 12; // UNIMPLEMENTED
            case 408, 504 -> 4; // DEADLINE_EXCEEDED
            case 429, 502, 503 -> 14; // UNAVAILABLE
            default -> 2; // UNKNOWN
        };
    }

    /**
     * Turns the head of the proxy's own error answer into a gRPC trailers-only answer: HTTP 200, {@code content-type:
     * application/grpc}, the status and {@code message} (percent-encoded as gRPC wants it).
     */
    static void trailersOnly(Http2Headers headers, int httpStatus, String message) {
        headers.status(AsciiString.of("200"));
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        headers.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
        headers.set("grpc-status", Integer.toString(status(httpStatus)));
        headers.set("grpc-message", percentEncoded(message));
    }

    private static String percentEncoded(String message) {
        StringBuilder out = new StringBuilder(message.length());
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
