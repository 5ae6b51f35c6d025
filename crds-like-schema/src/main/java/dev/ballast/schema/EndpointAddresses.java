package dev.ballast.schema;

import dev.ballast.config.HostPort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Parses endpoint addresses, which unlike listen addresses may leave the port out. */
public final class EndpointAddresses {

    private EndpointAddresses() {
    }

    /**
     * {@code host}, {@code host:port}, {@code v6-literal}, or {@code [v6]:port}.
     *
     * @return the host and port, port 0 when none was given
     */
    public static HostPort parse(String address) {
        String value = address.trim();
        if (value.isEmpty() || value.startsWith(":") || value.chars().anyMatch(Character::isWhitespace) || value.contains("/")) {
            throw new IllegalArgumentException("\"" + address + "\" is not host, host:port or [IPv6]:port");
        }
        boolean bracketed = value.startsWith("[");
        long colons = value.chars().filter(c -> c == ':').count();
        if (!bracketed && colons > 1) {
            return new HostPort(value, 0); // a bare IPv6 literal
        }
        if (bracketed ? !value.contains("]:") : colons == 0) {
            String host = bracketed ? value.substring(1, value.length() - 1) : value;
            if (bracketed && !value.endsWith("]")) {
                throw new IllegalArgumentException("\"" + address + "\" is not host, host:port or [IPv6]:port");
            }
            return new HostPort(host, 0);
        }
        HostPort parsed;
        try {
            parsed = HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + address + "\" is not host, host:port or [IPv6]:port", e);
        }
        if (parsed.port() == 0) {
            throw new IllegalArgumentException("\"" + address + "\": 0 is not a port (1-65535)");
        }
        return parsed;
    }

    /** The addresses a rule sends to: its endpoints, with the rule's port where they have none. */
    public static List<String> forRule(Endpoints endpoints, Rule rule) {
        int port = rule.port() == null ? 0 : rule.port();
        List<String> addresses = new ArrayList<>(endpoints.endpoints().size());
        for (Endpoint e : endpoints.endpoints()) {
            HostPort hp = parse(e.address());
            addresses.add(hp.port() > 0 ? e.address() : new HostPort(hp.host(), port).toString());
        }
        return addresses;
    }

    /** The endpoints each route of {@code snapshot} sends to (its service's, or its static ones), by route name. */
    public static Map<String, Endpoints> byRoute(Snapshot snapshot) {
        Map<String, Endpoints> byService = new HashMap<>();
        snapshot.endpoints().forEach(e -> byService.put(e.service(), e));
        Map<String, Endpoints> byRoute = new HashMap<>();
        for (Route route : snapshot.routes()) {
            String service = route.spec().service();
            byRoute.put(route.name(), service != null
                    ? byService.getOrDefault(service, new Endpoints(service, List.of()))
                    : new Endpoints("route:" + route.name(), route.spec().endpoints()));
        }
        return byRoute;
    }
}
