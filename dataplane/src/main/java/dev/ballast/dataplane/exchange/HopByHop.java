package dev.ballast.dataplane.exchange;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Headers that concern one connection only and are not forwarded, on requests ({@link HeaderRewrite}) as on responses
 * ({@link ResponseHead}).
 */
final class HopByHop {

    /**
     * Hop-by-hop headers (RFC 9110 §7.6.1), plus {@code Proxy-Connection} that old clients still send; lower case.
     * Transfer-Encoding is not among them: it frames the body, and each side deals with it. AsciiStrings: they keep
     * their hash, which a header map needs for every lookup (a String's is computed each time).
     */
    static final List<AsciiString> NAMES = List.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            AsciiString.cached("proxy-connection"), HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE);

    private static final List<String> KEEP_ALIVE = List.of(HttpHeaderValues.KEEP_ALIVE.toString());
    private static final List<String> CLOSE = List.of(HttpHeaderValues.CLOSE.toString());

    private HopByHop() {
    }

    /**
     * The tokens of a {@code Connection} value, lower case: {@code close}, {@code keep-alive}, {@code upgrade}, or the
     * names of further hop-by-hop headers. The usual values ({@code keep-alive}, {@code close}) are neither copied nor
     * split.
     */
    static List<String> connectionTokens(CharSequence value) {
        if (AsciiString.contentEqualsIgnoreCase(value, HttpHeaderValues.KEEP_ALIVE)) {
            return KEEP_ALIVE;
        }
        if (AsciiString.contentEqualsIgnoreCase(value, HttpHeaderValues.CLOSE)) {
            return CLOSE;
        }
        List<String> tokens = new ArrayList<>(2);
        for (String token : value.toString().split(",")) {
            String t = token.trim();
            if (!t.isEmpty()) {
                tokens.add(t.toLowerCase(Locale.ROOT));
            }
        }
        return tokens;
    }
}
