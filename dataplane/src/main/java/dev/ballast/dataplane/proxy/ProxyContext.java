package dev.ballast.dataplane.proxy;

import dev.ballast.dataplane.access.AccessPolicy;
import dev.ballast.dataplane.exchange.CompressionPolicy;
import dev.ballast.dataplane.limits.Admission;
import dev.ballast.dataplane.limits.Refusal;
import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.dataplane.telemetry.AccessLog;
import dev.ballast.dataplane.telemetry.DataplaneMetrics;
import dev.ballast.dataplane.telemetry.RequestTracing;
import dev.ballast.schema.Rule;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * What every client connection shares: the routing table in force (swapped whole for a new snapshot; a request reads
 * it once), the upstream sets, the access policy and the timeouts (the server, tunnel and client ones can be set per
 * rule), the metrics requests are counted in, the access log and the tracing of requests, what responses are
 * compressed ({@code compression}: null when compression is off), the pages of the proxy's own error answers, and
 * the TLS of connections to H2 routes' endpoints ({@code backendTls}), and what is admitted of each client
 * ({@code admission}: rate limits, connection counts, body and header limits).
 */
public record ProxyContext(AtomicReference<RoutingTable> table, Upstreams upstreams, AccessPolicy access,
                           Duration connectTimeout, Duration serverTimeout, Duration requestTimeout,
                           Duration keepAliveTimeout, Duration tunnelTimeout, Duration clientTimeout,
                           DataplaneMetrics metrics, AccessLog accessLog, RequestTracing tracing,
                           CompressionPolicy compression, ErrorPages errorPages, SslContext backendTls,
                           Admission admission) {

    /** How long the rule's upstream may take to answer. */
    public Duration serverTimeout(Rule rule) {
        return ruleOr(rule, Rule.Timeouts::server, serverTimeout);
    }

    /** How long an upgraded connection of the rule may stay silent both ways. */
    public Duration tunnelTimeout(Rule rule) {
        return ruleOr(rule, Rule.Timeouts::tunnel, tunnelTimeout);
    }

    /** How long the client may keep the proxy waiting, in the middle of an exchange of the rule. */
    public Duration clientTimeout(Rule rule) {
        return ruleOr(rule, Rule.Timeouts::client, clientTimeout);
    }

    /**
     * Closes a connection a limit refused before anything was read, counted and logged with the reason.
     *
     * @param route the route it was for, or null when refused before any route
     */
    public void refuseConnection(Channel ch, String route, InetSocketAddress client, int listenerPort,
                                 Refusal reason) {
        metrics.refused(route, reason);
        accessLog.refusedConnection(client.getAddress().getHostAddress(), listenerPort, reason.label());
        ch.close();
    }

    /** The rule's own timeout of this kind, else the replica's. */
    private static Duration ruleOr(Rule rule, Function<Rule.Timeouts, Duration> kind, Duration replicas) {
        Duration own = rule.timeouts() == null ? null : kind.apply(rule.timeouts());
        return own == null ? replicas : own;
    }
}
