package dev.ballast.dataplane.routing;

import dev.ballast.dataplane.limits.RuleLimits;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;

/**
 * The TCP route rule that claims a listener port: every connection accepted on {@code rule.srcPort()} is relayed to
 * one of {@code endpoints}. Immutable.
 *
 * @param endpoints where the route sends to, as the table it came from has them
 * @param limits the rule's source ranges, compiled with the table
 */
public record TcpRoute(Route route, Rule rule, Endpoints endpoints, RuleLimits limits) {

    public String name() {
        return route.name();
    }

    public int port() {
        return rule.srcPort();
    }
}
