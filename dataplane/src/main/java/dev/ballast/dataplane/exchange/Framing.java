package dev.ballast.dataplane.exchange;

import static dev.ballast.dataplane.exchange.HeadLines.text;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The framing rules that refuse a message whose body length is ambiguous, the root of request smuggling and response
 * splitting: for requests, {@code Content-Length} together with {@code Transfer-Encoding}, several differing
 * {@code Content-Length}s or one with leading zeros, or a transfer coding other than {@code chunked} alone; for the
 * response heads read as bytes ({@link ResponseHead}), a {@code Content-Length} that is not one number, and a
 * {@code Transfer-Encoding} that is not alone, in HTTP/1.0, or applies {@code chunked} other than once and last.
 */
public final class Framing {

    /**
     * The headers of requests as the decoder reads them ({@code HttpDecoderConfig.setHeadersFactory}), refusing a
     * second {@code Content-Length} line: in HTTP/1.0 Netty's decoder keeps the first of several and drops the others
     * before {@link #problem} could see them, so a request that a server before the proxy framed by the last one
     * would carry another request in its body.
     */
    public static final HttpHeadersFactory REQUEST_HEADERS = new HttpHeadersFactory() {
        @Override
        public HttpHeaders newHeaders() {
            return new OneContentLength();
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
            return DefaultHttpHeadersFactory.headersFactory().newEmptyHeaders();
        }
    };

    private Framing() {
    }

    /** Why the request must be refused with 400, or empty when its framing is clear. */
    public static Optional<String> problem(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return Optional.empty(); // most requests have no body: nothing to check, nothing to allocate
        }
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        List<String> encodings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!lengths.isEmpty() && !encodings.isEmpty()) {
            return Optional.of("both Content-Length and Transfer-Encoding");
        }
        if (lengths.stream().flatMap(l -> List.of(l.split(",")).stream()).map(String::trim).distinct().count() > 1) {
            return Optional.of("differing Content-Length values");
        }
        for (String length : lengths) {
            for (String part : length.split(",")) {
                // leading zeros frame the same for a decimal reader, not for one that reads them as octal
                if (!part.trim().matches("0|[1-9][0-9]{0,17}")) {
                    return Optional.of("Content-Length \"" + length + "\" is not a number");
                }
            }
        }
        if (!encodings.isEmpty()) {
            String all = String.join(",", encodings).toLowerCase(Locale.ROOT);
            String[] codings = all.split(",");
            if (!codings[codings.length - 1].trim().equals("chunked")
                    || List.of(codings).subList(0, codings.length - 1).stream().anyMatch(c -> c.trim().equals("chunked"))) {
                return Optional.of("Transfer-Encoding \"" + all + "\" does not end with a single chunked");
            }
            if (codings.length > 1) { // the body goes on chunked anew: another coding would be lost on the way
                return Optional.of("Transfer-Encoding \"" + all + "\" applies codings the proxy does not pass on");
            }
        }
        return Optional.empty();
    }

    /**
     * The value of a response's {@code Content-Length} from {@code from} to {@code to} of {@code head}: 1 to 18
     * digits, nothing else (no sign, no blanks, no list).
     *
     * @throws InvalidResponseException when it is not
     */
    static long contentLength(ByteBuf head, int from, int to) {
        if (to == from || to - from > 18) {
            throw new InvalidResponseException("a Content-Length that is not a number: \"" + text(head, from, to)
                    + "\"");
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            byte c = head.getByte(i);
            if (c < '0' || c > '9') {
                throw new InvalidResponseException("a Content-Length that is not a number: \"" + text(head, from, to)
                        + "\"");
            }
            value = value * 10 + c - '0';
        }
        return value;
    }

    /** Request headers that refuse a second {@code Content-Length} line (the decoder reports it, and 400 follows). */
    private static final class OneContentLength extends DefaultHttpHeaders {
        @Override
        public HttpHeaders add(CharSequence name, Object value) {
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)
                    && contains(HttpHeaderNames.CONTENT_LENGTH)) {
                throw new IllegalArgumentException("several Content-Length lines");
            }
            return super.add(name, value);
        }

        @Override
        public HttpHeaders add(String name, Object value) {
            return add((CharSequence) name, value);
        }
    }

    /** Adds the codings a {@code Transfer-Encoding} value lists, lower case (empty list elements are none). */
    static void addCodings(String value, List<String> codings) {
        for (String coding : value.split(",")) {
            String trimmed = coding.trim();
            if (!trimmed.isEmpty()) {
                codings.add(trimmed.toLowerCase(Locale.ROOT));
            }
        }
    }

    /**
     * Whether a response with these transfer codings is framed by chunked (else it ends with the close, RFC 9112
     * §6.3). Refused as ambiguous: a {@code Content-Length} too (RFC 9112 §6.1: a sender must not send both, and a
     * proxy that passed them on would pass the ambiguity on), HTTP/1.0 (which has no transfer codings, §6.1), or
     * {@code chunked} applied twice or before another coding (§6.1; what ends such a body depends on who reads it).
     *
     * @throws InvalidResponseException when the framing is ambiguous
     */
    static boolean chunkedResponse(List<String> codings, boolean contentLength, boolean http10) {
        if (contentLength) {
            throw new InvalidResponseException("both Content-Length and Transfer-Encoding");
        }
        if (http10) {
            throw new InvalidResponseException("a Transfer-Encoding in an HTTP/1.0 response");
        }
        int chunked = codings.indexOf("chunked");
        if (chunked >= 0 && chunked != codings.size() - 1) {
            throw new InvalidResponseException("a Transfer-Encoding that applies chunked other than once and last: \""
                    + String.join(", ", codings) + "\"");
        }
        return chunked >= 0;
    }
}
