package dev.ballast.dataplane.proxy;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The open TCP relays of a replica, by route. A relay holds its two channels, never the routing table, so a new
 * snapshot leaves it alone; only when its route is gone from the snapshot in force is it closed, after the drain time,
 * which gives a client the time to finish and reconnect elsewhere (as the replica's own drain does). Thread-safe.
 */
public final class TcpConnections {

    /** One relayed connection: the client's channel and, once connected, the upstream's. */
    public static final class Relay {
        private final String route;
        private final Channel client;
        private volatile Channel upstream;
        /** Whether its close is scheduled (its route was removed), so that it is scheduled once. */
        private final AtomicBoolean closing = new AtomicBoolean();

        Relay(String route, Channel client) {
            this.route = route;
            this.client = client;
        }

        public String route() {
            return route;
        }

        public Channel client() {
            return client;
        }

        /** The upstream channel, or null while connecting. */
        public Channel upstream() {
            return upstream;
        }

        void connected(Channel channel) {
            upstream = channel;
        }
    }

    private final Map<String, Set<Relay>> byRoute = new ConcurrentHashMap<>();
    /** The TCP routes of the snapshot in force (as last told by {@link #retain}). */
    private volatile Set<String> live = Set.of();

    /** Tracks a client connection of {@code route} until it closes. */
    Relay add(String route, Channel client) {
        Relay relay = new Relay(route, client);
        Set<Relay> relays = byRoute.computeIfAbsent(route, r -> ConcurrentHashMap.newKeySet());
        relays.add(relay);
        client.closeFuture().addListener(f -> relays.remove(relay));
        return relay;
    }

    /** The open relays of {@code route}. */
    public List<Relay> of(String route) {
        return List.copyOf(byRoute.getOrDefault(route, Set.of()));
    }

    /**
     * The TCP routes in force are now {@code routes}: the relays of every other route are closed after {@code drain},
     * unless their route is back by then.
     */
    public void retain(Set<String> routes, Duration drain) {
        live = Set.copyOf(routes);
        byRoute.entrySet().removeIf(e -> e.getValue().isEmpty() && !routes.contains(e.getKey()));
        for (Map.Entry<String, Set<Relay>> e : byRoute.entrySet()) {
            if (routes.contains(e.getKey())) {
                continue;
            }
            for (Relay relay : e.getValue()) {
                if (relay.closing.compareAndSet(false, true)) {
                    relay.client.eventLoop().schedule(() -> closeUnlessBack(relay), drain.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private void closeUnlessBack(Relay relay) {
        if (live.contains(relay.route)) {
            relay.closing.set(false);
            return;
        }
        relay.client.close();
        Channel upstream = relay.upstream;
        if (upstream != null) {
            upstream.close();
        }
    }
}
