package dev.ballast.controller.replicas;

import dev.ballast.schema.ListenerPorts;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteMode;
import dev.ballast.schema.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which routes name a port that no replica listens on, from the listeners the replicas report on their pulls
 * ({@link ListenerPorts#serves} decides, as each replica does for its own). Replicas list these conditions for their
 * own listeners too; here they are seen for the whole fleet, in {@code /v1/status}.
 */
public final class ListenerCoverage {

    /** A route whose rule names {@code port}, which no replica that reported its listeners has. */
    public record NoListener(String route, String type, int port, String message) {
    }

    private ListenerCoverage() {
    }

    /** The routes' ports no replica listens on; nothing while no replica has said what it listens on. */
    public static List<NoListener> of(List<Route> routes, List<ReplicaRegistry.ReplicaView> replicas) {
        List<ListenerPorts> reported = replicas.stream().map(ReplicaRegistry.ReplicaView::listeners)
                .filter(Objects::nonNull).toList();
        List<NoListener> out = new ArrayList<>();
        if (reported.isEmpty()) {
            return out;
        }
        ListenerPorts fleet = ListenerPorts.union(reported);
        for (Route route : routes) {
            RouteMode mode = route.spec().mode();
            Set<Integer> seen = new HashSet<>(); // a route's rules may share a port: one condition each
            for (Rule rule : route.spec().rules()) {
                Integer port = rule.srcPort();
                if (port != null && seen.add(port) && !fleet.serves(mode, port)) {
                    out.add(new NoListener(route.name(), "NoListener", port, "no replica has a"
                            + (mode == RouteMode.SNI ? " TLS" : "") + " listener on port " + port + " ("
                            + reported.size() + " replica(s) said what they listen on), so the route is not served "
                            + "there; give the replicas " + ListenerPorts.flagFor(mode, port) + " and publish "
                            + port));
                }
            }
        }
        return out;
    }
}
