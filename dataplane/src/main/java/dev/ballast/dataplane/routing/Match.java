package dev.ballast.dataplane.routing;

import dev.ballast.dataplane.access.Credentials;
import dev.ballast.dataplane.exchange.TargetRewrite;
import dev.ballast.dataplane.limits.RuleLimits;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import java.util.List;

/** The outcome of matching a request. */
public sealed interface Match {

    /** The one {@link NoRoute}: it carries nothing. */
    Match NO_ROUTE = new NoRoute();

    /**
     * A rule matched.
     *
     * @param endpoints the route's upstreams: its service's endpoints, or its static ones
     * @param rewrite the rule's path rewrites, compiled with the table
     * @param limits the rule's source ranges and body size, compiled with the table
     * @param credentials who the rule lets in, resolved with the table
     * @param fromDomain whether it matched through one of its {@code redirect.fromDomains} (then the answer is the
     *     redirect to its first host)
     */
    record Matched(Route route, Rule rule, Endpoints endpoints, TargetRewrite rewrite, RuleLimits limits,
                   Credentials credentials, boolean fromDomain) implements Match {
    }

    /** The best matching rule refuses the method; answer 405 with {@code Allow}. */
    record MethodNotAllowed(Route route, List<String> allow) implements Match {
        public MethodNotAllowed {
            allow = List.copyOf(allow);
        }
    }

    /** No rule matched and there is no default backend: 404. */
    record NoRoute() implements Match {
    }
}
