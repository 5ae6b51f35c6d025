package dev.ballast.dataplane.routing;

import dev.ballast.dataplane.exchange.TargetRewrite;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.Rule;
import java.util.List;

/** The outcome of matching a request. */
public sealed interface Match {

    /**
     * A rule matched.
     *
     * @param endpoints the route's upstreams: its service's endpoints, or its static ones
     * @param rewrite the rule's path rewrites, compiled with the table
     */
    record Matched(Route route, Rule rule, Endpoints endpoints, TargetRewrite rewrite) implements Match {
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
