package dev.ballast.dataplane.exchange;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Refuses requests whose body length is ambiguous, the root of request smuggling: {@code Content-Length} together
 * with {@code Transfer-Encoding}, several differing {@code Content-Length}s, or a transfer coding other than a final
 * {@code chunked}.
 */
public final class Framing {

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
                if (!part.trim().matches("[0-9]{1,18}")) {
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
        }
        return Optional.empty();
    }
}
