package dev.ballast.dataplane.exchange;

import dev.ballast.schema.HeaderOperations;
import dev.ballast.schema.Rule;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The changes a rule makes to requests and responses passing through. Stateless apart from a regex cache. */
public final class HeaderRewrite {

    /** Hop-by-hop headers (RFC 9110 §7.6.1), plus {@code Proxy-Connection} that old clients still send. */
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade", "proxy-authorization", "proxy-authenticate");

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
        String forwardedFor = headers.get("x-forwarded-for");
        headers.set("X-Forwarded-For", forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
        if (!headers.contains("x-forwarded-proto")) {
            headers.set("X-Forwarded-Proto", secure ? "https" : "http");
        }
        if (host != null && !headers.contains("x-forwarded-host")) {
            headers.set("X-Forwarded-Host", host);
        }
        if (headers.contains("forwarded")) { // only extend what the client chain already uses
            String element = "for=" + (clientAddress.contains(":") ? "\"[" + clientAddress + "]\"" : clientAddress)
                    + ";proto=" + (secure ? "https" : "http") + (host == null ? "" : ";host=\"" + host + "\"");
            headers.set("Forwarded", headers.get("forwarded") + ", " + element);
        }
        apply(headers, rule.requestHeaders());
    }

    /** Readies response headers for the client: hop-by-hop headers go, then the rule's operations apply. */
    public static void response(HttpHeaders headers, Rule rule) {
        removeHopByHop(headers);
        apply(headers, rule.responseHeaders());
    }

    static void removeHopByHop(HttpHeaders headers) {
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

    static void apply(HttpHeaders headers, HeaderOperations ops) {
        ops.remove().forEach(headers::remove);
        ops.set().forEach(headers::set);
        ops.add().forEach(headers::add);
    }
}
