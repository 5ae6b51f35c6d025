package dev.ballast.dataplane.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;

/**
 * What a client connection shows, fixed once its client's address is known (when it is accepted, or after a trusted
 * proxy's PROXY protocol header): the listener's port, the client's address (the connection's source, or the one the
 * header carried), whether TLS was terminated on it, and whether that address is one of {@code --trusted-proxies}
 * (whose forwarding headers are believed; anyone else's are replaced with what the connection shows).
 */
record ClientConnection(int listenerPort, String clientAddress, boolean secure, boolean trustedSource) {

    /**
     * The address limits and source ranges go by: the connection's client ({@link #clientAddress}), or, from a
     * trusted proxy, the last address its {@code X-Forwarded-For} names — the one that proxy saw (what is left of it
     * was written by whoever connected to that proxy, and is believed by no one).
     */
    String client(HttpHeaders headers) {
        if (trustedSource) {
            String forwarded = headers.get("X-Forwarded-For");
            if (forwarded != null) {
                String last = forwarded.substring(forwarded.lastIndexOf(',') + 1).trim();
                if (!last.isEmpty()) {
                    return last;
                }
            }
        }
        return clientAddress;
    }

    /** The scheme of this connection itself: what this hop writes into the forwarding headers it sets. */
    String ownScheme() {
        return secure ? "https" : "http";
    }

    /**
     * The scheme the client used, as far as the proxy can know: a trusted source's {@code X-Forwarded-Proto}
     * ({@code http} or {@code https}; its first value, the one the outermost proxy set), else the connection's own.
     */
    String scheme(HttpHeaders headers) {
        if (trustedSource) {
            String forwarded = headers.get("X-Forwarded-Proto");
            if (forwarded != null) {
                int comma = forwarded.indexOf(',');
                String first = (comma < 0 ? forwarded : forwarded.substring(0, comma)).trim()
                        .toLowerCase(Locale.ROOT);
                if (first.equals("https") || first.equals("http")) {
                    return first;
                }
            }
        }
        return ownScheme();
    }
}
