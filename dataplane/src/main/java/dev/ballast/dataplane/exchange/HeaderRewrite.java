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
import java.util.Map;

/**
 * The changes a rule makes to requests passing through ({@link ResponseHead} makes those to responses). Stateless.
 */
public final class HeaderRewrite {

    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString FORWARDED = AsciiString.cached("Forwarded");

    private HeaderRewrite() {
    }

    /**
     * Readies request headers for the upstream: hop-by-hop headers go (a chunked transfer coding stays, the codec
     * needs it to frame the body), the client's {@code Authorization} goes when the proxy authenticated it, the
     * forwarding headers describe the client, then the rule's operations apply.
     *
     * <p>A trusted source's forwarding headers are extended: {@code X-Forwarded-For} and {@code Forwarded} get this
     * hop, {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} stay as the first proxy set them. Anyone else's are
     * replaced with what the connection shows, so no client can claim another address or {@code https}. A
     * {@code Forwarded} header is only written where the client side had one: most backends read the
     * {@code X-Forwarded-*} family only.
     *
     * @param authenticated whether the proxy checked the client's credentials (the rule's users or the global ones)
     * @param scheme the scheme of the connection the request came on ({@code https} or {@code http}): what this hop
     *               says in {@code X-Forwarded-Proto} where it sets it, and in its {@code Forwarded} element (RFC 7239: the
     *               element describes the hop; a trusted proxy's {@code X-Forwarded-Proto} is kept as it is)
     * @param trustedSource whether the connection comes from one of {@code --trusted-proxies}
     */
    public static void request(HttpHeaders headers, Rule rule, boolean authenticated, String clientAddress,
                               String scheme, boolean trustedSource) {
        removeHopByHop(headers);
        if (authenticated) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        String host = headers.get(HttpHeaderNames.HOST);
        String forwardedFor = trustedSource ? headers.get(X_FORWARDED_FOR) : null;
        headers.set(X_FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
        if (!trustedSource || !headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, scheme);
        }
        if (!trustedSource || !headers.contains(X_FORWARDED_HOST)) {
            if (host != null) {
                headers.set(X_FORWARDED_HOST, host);
            } else {
                headers.remove(X_FORWARDED_HOST);
            }
        }
        String forwarded = headers.get(FORWARDED);
        if (forwarded != null) {
            String element = "for=" + (clientAddress.contains(":") ? "\"[" + clientAddress + "]\"" : clientAddress)
                    + ";proto=" + scheme + (host == null ? "" : ";host=\"" + host + "\"");
            headers.set(FORWARDED, trustedSource ? forwarded + ", " + element : element);
        }
        apply(headers, rule.requestHeaders());
    }

    /**
     * Puts back the two hop-by-hop headers a protocol switch needs on its way upstream ({@code Connection: upgrade},
     * {@code Upgrade}), after {@link #request} removed them.
     */
    public static void upgrade(HttpHeaders headers, String protocol) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, protocol);
    }

    /**
     * Removes the hop-by-hop headers present and those the {@code Connection} header nominates, in one pass over the
     * names first (most messages carry one or none: nginx's {@code Connection: keep-alive}), then one removal per name
     * found. A {@code Transfer-Encoding} becomes plain {@code chunked}: the codec frames the body again.
     */
    static void removeHopByHop(HttpHeaders headers) {
        List<CharSequence> found = null;
        boolean transferEncoding = false;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            CharSequence name = header.getKey();
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                transferEncoding = true;
                continue;
            }
            AsciiString hop = hopByHop(name);
            if (hop == null) {
                continue;
            }
            if (found == null) {
                found = new ArrayList<>(2);
            }
            found.add(hop);
            if (hop == HttpHeaderNames.CONNECTION) {
                nominated(header.getValue(), found);
            }
        }
        if (found != null) {
            found.forEach(headers::remove);
        }
        if (transferEncoding) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /** Indexed rather than iterated: called for every header of every request (see {@link HeadLines#isOneOf}). */
    private static AsciiString hopByHop(CharSequence name) {
        for (int i = 0; i < HopByHop.NAMES.size(); i++) {
            AsciiString hop = HopByHop.NAMES.get(i);
            if (name.length() == hop.length() && AsciiString.contentEqualsIgnoreCase(name, hop)) {
                return hop;
            }
        }
        return null;
    }

    /** The header names a {@code Connection} value nominates, but {@code close} and {@code keep-alive}. */
    private static void nominated(CharSequence connection, List<CharSequence> into) {
        for (String token : HopByHop.connectionTokens(connection)) {
            if (!token.equals("close") && !token.equals("keep-alive")) {
                into.add(token);
            }
        }
    }

    /** Loops rather than forEach with method references: those would allocate three lambdas per message. */
    static void apply(HttpHeaders headers, HeaderOperations ops) {
        if (ops.isEmpty()) {
            return; // most rules change no headers
        }
        for (String name : ops.remove()) {
            headers.remove(name);
        }
        for (Map.Entry<String, String> set : ops.set().entrySet()) {
            headers.set(set.getKey(), set.getValue());
        }
        for (Map.Entry<String, String> add : ops.add().entrySet()) {
            headers.add(add.getKey(), add.getValue());
        }
    }

}
