package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.balancing.Upstream;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sticky-session cookie of one upstream set (a route's endpoints for one rule port): which endpoint the cookie of
 * a request pins, and the {@code Set-Cookie} that pins a client to the endpoint that answered it.
 *
 * <p>The value names an endpoint by a tag, never by its address: the first 72 bits of a SHA-256 of the route's name
 * and the endpoint's address, in base64url. Every replica computes the same tag from the same snapshot, with nothing
 * to share or coordinate, so a client that Swarm's ingress sends to one replica, then another, stays pinned; a tag
 * depends on its endpoint's address only, so endpoints added by a scale leave existing pins where they are. It hides
 * the address from a casual look, not from a determined one: overlay addresses are few enough to hash them all.
 *
 * <p>Several sticky routes may share a host, and with it the cookie (its name defaults to {@code BALLAST_STICKY}, and
 * Docker Flow labels cannot set another). So that they do not keep re-pinning each other's clients, the value holds a
 * pin per route: dot-separated entries of a 24-bit tag of the route (name and port) followed by the endpoint's tag.
 * Each route reads and rewrites only its own entry and keeps the others (the {@value #MAX_ENTRIES} most recent).
 * Anything else in the value (an unknown format, a tag of no endpoint in the set) is no pin: the request goes where
 * the balancer sends it, and its answer pins the client there.
 *
 * <p>Immutable, thread-safe.
 */
final class StickyCookie {

    /** Entries a value keeps at most: this route's and the most recent of others. */
    static final int MAX_ENTRIES = 8;
    private static final int ROUTE_TAG = 4;
    private static final int ENDPOINT_TAG = 12;
    private static final int ENTRY = ROUTE_TAG + ENDPOINT_TAG;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final String name;
    private final String routeTag;
    private final Map<String, Upstream> byTag;
    private final Map<Upstream, String> entryOf = new IdentityHashMap<>();

    /**
     * @param name the cookie's name
     * @param route the route's name
     * @param port the rule port of the set (0 when the endpoints carry their own)
     * @param upstreams the set's endpoints
     */
    StickyCookie(String name, String route, int port, List<Upstream> upstreams) {
        this.name = name;
        this.routeTag = tag("route\0" + route + "\0" + port, ROUTE_TAG);
        this.byTag = new HashMap<>();
        for (Upstream u : upstreams) {
            String tag = tag("endpoint\0" + route + "\0" + u.address(), ENDPOINT_TAG);
            byTag.put(tag, u);
            entryOf.put(u, routeTag + tag);
        }
    }

    String name() {
        return name;
    }

    /** The first {@code chars} base64url characters (6 bits each) of the SHA-256 of {@code text}. */
    private static String tag(String text, int chars) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(("ballast sticky\0" + text).getBytes(StandardCharsets.UTF_8));
            return BASE64URL.encodeToString(hash).substring(0, chars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * What {@code Cookie} headers say to this set; {@code secure}: the client came over TLS (to this proxy, or to a
     * trusted one in front), so a cookie set in the answer gets {@code Secure}.
     */
    Pin read(List<String> cookieHeaders, boolean secure) {
        Upstream pinned = null;
        List<String> others = new ArrayList<>(2);
        for (String header : cookieHeaders) {
            for (String pair : header.split(";")) {
                String value = valueOf(pair.trim());
                if (value == null) {
                    continue;
                }
                for (String entry : value.split("\\.")) {
                    if (!wellFormed(entry)) {
                        continue; // not ours to keep: a garbled or foreign value is no pin
                    }
                    if (entry.startsWith(routeTag)) {
                        if (pinned == null) {
                            pinned = byTag.get(entry.substring(ROUTE_TAG)); // null: an endpoint gone since
                        }
                    } else if (!others.contains(entry)) {
                        others.add(entry);
                    }
                }
            }
        }
        if (others.size() > MAX_ENTRIES - 1) {
            others = others.subList(others.size() - (MAX_ENTRIES - 1), others.size());
        }
        return new Pin(this, pinned, String.join(".", others), secure);
    }

    /** The value of {@code name=value} when the name is this cookie's (quotes taken off), else null. */
    private String valueOf(String pair) {
        if (!pair.startsWith(name) || pair.length() <= name.length() || pair.charAt(name.length()) != '=') {
            return null;
        }
        String value = pair.substring(name.length() + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static boolean wellFormed(String entry) {
        if (entry.length() != ENTRY) {
            return false;
        }
        for (int i = 0; i < ENTRY; i++) {
            char c = entry.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a request's cookie says to a set.
     *
     * @param endpoint the endpoint of the set it pins, or null (no cookie, no entry for this route, an endpoint gone)
     * @param others the entries of other routes, to keep (dot-separated; empty when none)
     * @param secure whether a cookie set in the answer gets {@code Secure}
     */
    record Pin(StickyCookie cookie, Upstream endpoint, String others, boolean secure) {

        /** The pinned endpoint when it is one of {@code candidates} (not ejected, not failing its check), else null. */
        Upstream in(List<Upstream> candidates) {
            return endpoint != null && candidates.contains(endpoint) ? endpoint : null;
        }

        /**
         * The {@code Set-Cookie} value that pins the client to {@code answered}, or null when its cookie already
         * does. {@code SameSite=Lax} and {@code HttpOnly}: scripts have no use for it, other sites no business
         * sending it; no expiry: it lasts the browser session, as HAProxy's inserted cookies do.
         */
        String setCookie(Upstream answered) {
            String entry = cookie.entryOf.get(answered);
            if (answered == endpoint || entry == null) {
                return null;
            }
            return cookie.name + "=" + (others.isEmpty() ? entry : others + "." + entry)
                    + "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
        }
    }
}
