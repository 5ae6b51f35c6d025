package dev.ballast.config;

import java.util.List;

/**
 * The Docker Engine emulator's settings.
 *
 * @param listen {@code host:port} for TCP, or {@code unix:///path.sock}
 */
public record SimConfig(String listen) {

    public static final Setting<String> LISTEN = Setting.of("listen", "127.0.0.1:2375", ValueParsers::text,
            "Address of the emulated Engine API: host:port or unix:///path.sock");

    public static final List<Setting<?>> SETTINGS = List.of(LISTEN);

    public static SimConfig from(ResolvedConfig c) {
        return new SimConfig(c.get(LISTEN));
    }
}
