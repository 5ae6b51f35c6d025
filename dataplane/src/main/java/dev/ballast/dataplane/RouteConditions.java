package dev.ballast.dataplane;

import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.dataplane.routing.TcpRoute;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteMode;
import dev.ballast.schema.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeps a route of the table in force from being served on one of its ports: no listener there (for an HTTP
 * rule pinned to a port by its srcPort, a TCP rule, or an SNI rule, which needs a TLS listener), or another route
 * claimed the port first. Each condition is logged once, the first time it is seen.
 */
public final class RouteConditions {

    private static final Logger LOG = LoggerFactory.getLogger(RouteConditions.class);

    /** The conditions already logged (type, route, port). */
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    /**
     * A condition of a route of the snapshot in force, as the config endpoint lists them.
     *
     * @param type what is wrong: {@code NoListener} (an HTTP or TCP rule's port has no listener, an SNI rule's no TLS
     *     listener) or {@code PortConflict} (a TCP route claimed the port first); either way the route is not served
     *     on that port
     */
    public record RouteCondition(String route, String type, int port, String message) {
    }

    /** The conditions of {@code table} with listeners on {@code ports}, of which {@code tlsPorts} are TLS ones. */
    static List<RouteCondition> of(RoutingTable table, Set<Integer> ports, Set<Integer> tlsPorts) {
        List<RouteCondition> out = new ArrayList<>(missingListeners(table, ports, tlsPorts));
        for (TcpRoute loser : table.tcpConflicts()) {
            out.add(new RouteCondition(loser.name(), "PortConflict", loser.port(), "port " + loser.port()
                    + " is claimed by TCP route \"" + table.tcpRoute(loser.port()).name() + "\" (first by name), so "
                    + "this route's TCP connections are not served there; give one of them another srcPort"));
        }
        for (TcpRoute loser : table.sniConflicts()) {
            out.add(new RouteCondition(loser.name(), "PortConflict", loser.port(), "port " + loser.port()
                    + " is claimed by TCP route \"" + table.tcpRoute(loser.port()).name() + "\", so this SNI route's "
                    + "connections are not served there; give one of them another srcPort"));
        }
        return out;
    }

    private static List<RouteCondition> missingListeners(RoutingTable table, Set<Integer> ports,
                                                         Set<Integer> tlsPorts) {
        List<RouteCondition> out = new ArrayList<>();
        for (TcpRoute tcp : table.tcpRoutes()) {
            if (!ports.contains(tcp.port())) {
                out.add(new RouteCondition(tcp.name(), "NoListener", tcp.port(), "port " + tcp.port()
                        + " has no listener, so the route's TCP connections are not served; add --listen 0.0.0.0:"
                        + tcp.port() + " and publish " + tcp.port()));
            }
        }
        Set<String> seen = new HashSet<>(); // a route's rules may share a port: one condition each
        for (Route route : table.snapshot().routes()) {
            if (route.spec().mode() != RouteMode.HTTP) {
                continue;
            }
            for (Rule rule : route.spec().rules()) {
                Integer port = rule.srcPort();
                if (port != null && !ports.contains(port) && seen.add(route.name() + ":" + port)) {
                    out.add(new RouteCondition(route.name(), "NoListener", port, "port " + port + " has no listener, "
                            + "so the route's rules pinned to it (srcPort, or srcHttpsPort/443 for httpsPort) match "
                            + "nothing; add --listen 0.0.0.0:" + port + " (HTTP) or --tls-listen 0.0.0.0:" + port
                            + " (HTTPS) and publish " + port));
                }
            }
        }
        for (TcpRoute sni : table.sniRoutes()) {
            if (!tlsPorts.contains(sni.port()) && seen.add(sni.name() + ":" + sni.port())) {
                out.add(new RouteCondition(sni.name(), "NoListener", sni.port(), "port " + sni.port()
                        + " has no TLS listener, so the route's SNI connections are not served; add "
                        + "--tls-listen 0.0.0.0:" + sni.port() + " and publish " + sni.port()));
            }
        }
        return out;
    }

    /** Logs each of {@code conditions} not logged before. */
    void logNew(List<RouteCondition> conditions) {
        for (RouteCondition c : conditions) {
            if (logged.add(c.type() + ":" + c.route() + ":" + c.port())) {
                LOG.warn("route {}: {}", c.route(), c.message());
            }
        }
    }
}
