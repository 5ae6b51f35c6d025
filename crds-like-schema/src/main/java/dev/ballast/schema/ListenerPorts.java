package dev.ballast.schema;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The ports a replica listens on, plain ({@code --listen}) and TLS ({@code --tls-listen}), and which rule ports they
 * serve: a TCP or HTTP rule's srcPort needs a listener of either kind (a TCP route claims a TLS listener's port as
 * well), an SNI rule's a TLS one. A replica lists the conditions of its own listeners with it; the controller, told
 * every replica's on their pulls, those of the whole fleet.
 */
public record ListenerPorts(List<Integer> plain, List<Integer> tls) {

    public static final ListenerPorts NONE = new ListenerPorts(List.of(), List.of());

    public ListenerPorts {
        plain = List.copyOf(plain);
        tls = List.copyOf(tls);
    }

    /** Whether a rule of a route in {@code mode} pinned to {@code port} has a listener here. */
    public boolean serves(RouteMode mode, int port) {
        return mode == RouteMode.SNI ? tls.contains(port) : plain.contains(port) || tls.contains(port);
    }

    /** The listener flag that would serve such a rule. */
    public static String flagFor(RouteMode mode, int port) {
        return switch (mode) {
            case SNI -> "--tls-listen 0.0.0.0:" + port;
            case TCP -> "--listen 0.0.0.0:" + port;
            case HTTP -> "--listen 0.0.0.0:" + port + " (HTTP) or --tls-listen 0.0.0.0:" + port + " (HTTPS)";
        };
    }

    /** Every port any of {@code all} listens on. */
    public static ListenerPorts union(Collection<ListenerPorts> all) {
        TreeSet<Integer> plain = new TreeSet<>();
        TreeSet<Integer> tls = new TreeSet<>();
        for (ListenerPorts ports : all) {
            plain.addAll(ports.plain());
            tls.addAll(ports.tls());
        }
        return new ListenerPorts(List.copyOf(plain), List.copyOf(tls));
    }
}
