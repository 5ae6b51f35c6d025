package dev.ballast.config;

import java.util.List;

/**
 * {@code ballast demo}'s settings. Its addresses are fixed (the ones the Docker Flow Proxy tutorial and our README
 * use), so the commands it prints work as they are.
 *
 * @param empty start without deploying the tutorial's {@code http} stack
 */
public record DemoConfig(boolean empty) {

    public static final Setting<Boolean> EMPTY = Setting.of("empty", "false", ValueParsers::bool,
            "Start without deploying the tutorial's http stack");

    public static final List<Setting<?>> SETTINGS = List.of(EMPTY);

    public static DemoConfig from(ResolvedConfig c) {
        return new DemoConfig(c.get(EMPTY));
    }
}
