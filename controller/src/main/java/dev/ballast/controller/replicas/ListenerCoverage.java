package dev.ballast.controller.replicas;

import dev.ballast.schema.Route;
import dev.ballast.schema.RouteMode;
import dev.ballast.schema.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which routes name a port that no replica listens on, from the listeners the replicas report on their pulls: a TCP
 * rule's srcPort needs a plain listener, an SNI rule's a TLS one, an HTTP rule pinned by srcPort either. Replicas know
 * their own listeners and list these conditions too; here they are seen for the whole fleet, in {@code /v1/status}.
 */
public final class ListenerCoverage {

    /** A route whose rule names {@code port}, which no replica that reported its listeners has. */
    public record NoListener(String route, String type, int port, String message) {
    }

    private ListenerCoverage() {
    }

    /** The routes' ports no replica listens on; nothing while no replica has said what it listens on. */
    public static List<NoListener> of(List<Route> routes, List<ReplicaRegistry.ReplicaView> replicas) {
        Set<Integer> plain = new HashSet<>();
        Set<Integer> tls = new HashSet<>();
        int reporting = 0;
        for (ReplicaRegistry.ReplicaView replica : replicas) {
            if (replica.listeners() != null) {
                reporting++;
                plain.addAll(replica.listeners().plain());
                tls.addAll(replica.listeners().tls());
            }
        }
        List<NoListener> out = new ArrayList<>();
        if (reporting == 0) {
            return out;
        }
        for (Route route : routes) {
            RouteMode mode = route.spec().mode();
            Set<Integer> reported = new HashSet<>();
            for (Rule rule : route.spec().rules()) {
                Integer port = rule.srcPort();
                if (port == null || !reported.add(port) || served(mode, port, plain, tls)) {
                    continue;
                }
                String flag = switch (mode) {
                    case SNI -> "--tls-listen 0.0.0.0:" + port;
                    case TCP -> "--listen 0.0.0.0:" + port;
                    default -> "--listen 0.0.0.0:" + port + " (HTTP) or --tls-listen 0.0.0.0:" + port + " (HTTPS)";
                };
                out.add(new NoListener(route.name(), "NoListener", port, "no replica has a"
                        + (mode == RouteMode.SNI ? " TLS" : "") + " listener on port " + port + " (" + reporting
                        + " replica(s) said what they listen on), so the route is not served there; give the replicas "
                        + flag + " and publish " + port));
            }
        }
        return out;
    }

    private static boolean served(RouteMode mode, int port, Set<Integer> plain, Set<Integer> tls) {
        return switch (mode) {
            case SNI -> tls.contains(port);
            case TCP -> plain.contains(port);
            default -> plain.contains(port) || tls.contains(port);
        };
    }
}
