package dev.ballast.dataplane.exchange;

import dev.ballast.schema.HeaderOperations;
import dev.ballast.schema.Rule;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The changes a rule makes to requests and responses passing through. Stateless apart from a regex cache. */
public final class HeaderRewrite {

    /**
     * Hop-by-hop headers (RFC 9110 §7.6.1), plus {@code Proxy-Connection} that old clients still send. AsciiStrings:
     * they keep their hash, which the header map needs for every lookup (a String's is computed each time).
     */
    private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            AsciiString.cached("proxy-connection"), HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE);
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString FORWARDED = AsciiString.cached("Forwarded");

    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    private HeaderRewrite() {
    }

    /** The request target with the rule's rewrites applied to its path, in order; the query string is kept. */
    public static String rewriteTarget(String target, List<Rule.Rewrite> rewrites) {
        if (rewrites.isEmpty()) {
            return target;
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        for (Rule.Rewrite r : rewrites) {
            path = PATTERNS.computeIfAbsent(r.search(), Pattern::compile).matcher(path).replaceAll(r.replace());
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            path = "/" + path; // a rewrite may not take the path out of origin form
        }
        return query < 0 ? path : path + target.substring(query);
    }

    /**
     * Readies request headers for the upstream: hop-by-hop headers go (a chunked transfer coding stays, the codec
     * needs it to frame the body), the client's {@code Authorization} goes when the proxy authenticated it, the
     * forwarding headers record the client, then the rule's operations apply.
     */
    public static void request(HttpHeaders headers, Rule rule, String clientAddress, boolean secure) {
        removeHopByHop(headers);
        if (rule.auth() != null) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        String host = headers.get(HttpHeaderNames.HOST);
        String forwardedFor = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
        if (!headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, secure ? "https" : "http");
        }
        if (host != null && !headers.contains(X_FORWARDED_HOST)) {
            headers.set(X_FORWARDED_HOST, host);
        }
        String forwarded = headers.get(FORWARDED);
        if (forwarded != null) { // only extend what the client chain already uses
            String element = "for=" + (clientAddress.contains(":") ? "\"[" + clientAddress + "]\"" : clientAddress)
                    + ";proto=" + (secure ? "https" : "http") + (host == null ? "" : ";host=\"" + host + "\"");
            headers.set(FORWARDED, forwarded + ", " + element);
        }
        apply(headers, rule.requestHeaders());
    }

    /** Readies response headers for the client: hop-by-hop headers go, then the rule's operations apply. */
    public static void response(HttpHeaders headers, Rule rule) {
        removeHopByHop(headers);
        apply(headers, rule.responseHeaders());
    }

    static void removeHopByHop(HttpHeaders headers) {
        if (!anyHopByHop(headers)) {
            return; // most messages: one pass over a few names, no lookups
        }
        List<String> named = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                if (!token.isBlank()) {
                    named.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        HOP_BY_HOP.forEach(headers::remove);
        named.stream().filter(n -> !n.equals("close") && !n.equals("keep-alive")).forEach(headers::remove);
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /** Whether a hop-by-hop or {@code Transfer-Encoding} header is present (which this method's caller rewrites). */
    private static boolean anyHopByHop(HttpHeaders headers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                return true;
            }
            for (AsciiString hop : HOP_BY_HOP) {
                if (name.length() == hop.length() && AsciiString.contentEqualsIgnoreCase(name, hop)) {
                    return true;
                }
            }
        }
        return false;
    }

    static void apply(HttpHeaders headers, HeaderOperations ops) {
        ops.remove().forEach(headers::remove);
        ops.set().forEach(headers::set);
        ops.add().forEach(headers::add);
    }
}
