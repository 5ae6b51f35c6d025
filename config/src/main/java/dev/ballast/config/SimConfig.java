package dev.ballast.config;

import java.util.List;

/**
 * The Docker Engine emulator's settings.
 *
 * @param listen {@code host:port} for TCP, or {@code unix:///path.sock}
 * @param nodes how many manager nodes the emulated swarm has
 */
public record SimConfig(String listen, int nodes) {

    public static final Setting<String> LISTEN = Setting.of("listen", "127.0.0.1:2375", ValueParsers::text,
            "Address of the emulated Engine API: host:port or unix:///path.sock");

    public static final Setting<Integer> NODES = Setting.of("nodes", "2", ValueParsers.intIn(1, 50),
            "How many manager nodes the emulated swarm has (the first is the leader)");

    public static final List<Setting<?>> SETTINGS = List.of(LISTEN, NODES);

    public static SimConfig from(ResolvedConfig c) {
        return new SimConfig(c.get(LISTEN), c.get(NODES));
    }
}
