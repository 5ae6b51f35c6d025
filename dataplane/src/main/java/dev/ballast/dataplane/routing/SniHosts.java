package dev.ballast.dataplane.routing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The SNI route rules of one listener port, by the server names they accept: exact names in one map, wildcards
 * ({@code *.example.com}) by their suffix in another. A lookup tries the exact name, then the name's suffixes from
 * the longest ({@code a.b.example.com} tries {@code b.example.com}, then {@code example.com}); a wildcard matches one
 * label or more, never the bare suffix. The first rule to add a name keeps it. Immutable once built.
 */
public final class SniHosts {

    private final Map<String, TcpRoute> exact;
    private final Map<String, TcpRoute> wildcard;

    private SniHosts(Map<String, TcpRoute> exact, Map<String, TcpRoute> wildcard) {
        this.exact = exact;
        this.wildcard = wildcard;
    }

    /** The rule for {@code serverName} (any case), or null when none of the port's rules accepts it. */
    public TcpRoute route(String serverName) {
        if (serverName == null || serverName.isEmpty()) {
            return null;
        }
        String name = serverName.toLowerCase(Locale.ROOT);
        TcpRoute found = exact.get(name);
        for (int dot = wildcard.isEmpty() ? -1 : name.indexOf('.'); found == null && dot >= 0;
                dot = name.indexOf('.', dot + 1)) {
            found = wildcard.get(name.substring(dot + 1));
        }
        return found;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a port's rules; {@link #build} compiles them. */
    public static final class Builder {
        private final Map<String, TcpRoute> exact = new HashMap<>();
        private final Map<String, TcpRoute> wildcard = new HashMap<>();

        /** Adds {@code host} (a name or {@code *.suffix}) for {@code route}, unless an earlier rule has it. */
        public Builder add(String host, TcpRoute route) {
            String h = host.toLowerCase(Locale.ROOT);
            if (h.startsWith("*.")) {
                wildcard.putIfAbsent(h.substring(2), route);
            } else {
                exact.putIfAbsent(h, route);
            }
            return this;
        }

        public SniHosts build() {
            return new SniHosts(Map.copyOf(exact), Map.copyOf(wildcard));
        }
    }
}
