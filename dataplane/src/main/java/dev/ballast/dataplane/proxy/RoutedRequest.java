package dev.ballast.dataplane.proxy;

import dev.ballast.schema.BackendProtocol;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Set;

/**
 * A request the proxy will send upstream, as {@link RouteDispatcher} hands it on; its body parts follow as
 * {@link io.netty.handler.codec.http.HttpContent}s.
 *
 * @param head the head readied for the upstream (target rewritten, hop-by-hop headers out, the rule's changes in)
 * @param route the route that matched
 * @param rule the rule of the route that matched
 * @param upstreams where it may go
 * @param clientKeepAlive whether the client asked to keep its connection after the answer
 * @param upgrade the protocol the client asked to switch to ({@code Upgrade}), or null
 * @param pin what the client's sticky-session cookie says, when the route has sticky sessions (else null)
 * @param maxBodyBytes the largest body the rule takes (0: no limit)
 */
record RoutedRequest(HttpRequest head, Route route, Rule rule, Upstreams.Set upstreams, boolean clientKeepAlive,
                     String upgrade, StickyCookie.Pin pin, long maxBodyBytes) {

    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

    /** Whether sending it twice means no more than sending it once (RFC 9110 §9.2.2): then it may be retried. */
    boolean idempotent() {
        return IDEMPOTENT.contains(head.method());
    }

    /** How it goes to its upstream. */
    BackendProtocol protocol() {
        return route.spec().backendProtocolOrDefault();
    }
}
