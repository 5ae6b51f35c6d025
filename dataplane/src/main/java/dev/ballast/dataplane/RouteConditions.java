package dev.ballast.dataplane;

import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.dataplane.routing.TcpRoute;
import dev.ballast.schema.ListenerPorts;
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

    /** The conditions of {@code table} with listeners on {@code ports}. */
    static List<RouteCondition> of(RoutingTable table, ListenerPorts ports) {
        List<RouteCondition> out = new ArrayList<>(missingListeners(table, ports));
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

    /** The rules in force (TCP and SNI ones not lost to a port conflict) whose port {@code ports} lack. */
    private static List<RouteCondition> missingListeners(RoutingTable table, ListenerPorts ports) {
        List<RouteCondition> out = new ArrayList<>();
        for (TcpRoute tcp : table.tcpRoutes()) {
            if (!ports.serves(RouteMode.TCP, tcp.port())) {
                out.add(noListener(tcp.name(), RouteMode.TCP, tcp.port(), "has no listener, so the route's TCP "
                        + "connections are not served"));
            }
        }
        Set<String> seen = new HashSet<>(); // a route's rules may share a port: one condition each
        for (Route route : table.snapshot().routes()) {
            if (route.spec().mode() != RouteMode.HTTP) {
                continue;
            }
            for (Rule rule : route.spec().rules()) {
                Integer port = rule.srcPort();
                if (port != null && !ports.serves(RouteMode.HTTP, port) && seen.add(route.name() + ":" + port)) {
                    out.add(noListener(route.name(), RouteMode.HTTP, port, "has no listener, so the route's rules "
                            + "pinned to it (srcPort, or srcHttpsPort/443 for httpsPort) match nothing"));
                }
            }
        }
        for (TcpRoute sni : table.sniRoutes()) {
            if (!ports.serves(RouteMode.SNI, sni.port()) && seen.add(sni.name() + ":" + sni.port())) {
                out.add(noListener(sni.name(), RouteMode.SNI, sni.port(), "has no TLS listener, so the route's SNI "
                        + "connections are not served"));
            }
        }
        return out;
    }

    private static RouteCondition noListener(String route, RouteMode mode, int port, String what) {
        return new RouteCondition(route, "NoListener", port, "port " + port + " " + what + "; add "
                + ListenerPorts.flagFor(mode, port) + " and publish " + port);
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
