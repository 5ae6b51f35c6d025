package dev.ballast.dataplane.routing;

import java.util.Locale;
import java.util.function.Function;

/**
 * What matching looks at in a request.
 *
 * @param method the request method, upper case
 * @param host the {@code Host} header as received (case and port are ignored), or empty
 * @param path the path without the query string
 * @param header the first value of a header by lower-case name, or {@code null}
 * @param listenerPort the port the request arrived on
 */
public record RequestFacts(String method, String host, String path, Function<String, String> header, int listenerPort) {

    /** The host name without port, lower case: {@code Shop.Example.com:8080} → {@code shop.example.com}. */
    String hostName() {
        String h = host == null ? "" : host.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return (end < 0 ? h : h.substring(0, end + 1)).toLowerCase(Locale.ROOT);
        }
        int colon = h.indexOf(':');
        String name = colon < 0 ? h : h.substring(0, colon);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.toLowerCase(Locale.ROOT);
    }
}
