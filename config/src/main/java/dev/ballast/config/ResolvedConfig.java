package dev.ballast.config;

import java.util.Map;
import java.util.Optional;

/** The value of every setting of one process, with where each came from. Immutable. */
public final class ResolvedConfig {

    /** A value and a human-readable origin such as {@code --listen (command line)} or {@code default}. */
    record Entry(Object value, String origin) {
    }

    private final Map<String, Entry> entries;

    ResolvedConfig(Map<String, Entry> entries) {
        this.entries = Map.copyOf(entries);
    }

    /** The value of a setting that has a default or was given. */
    public <T> T get(Setting<T> setting) {
        return find(setting).orElseThrow(() -> new IllegalStateException(setting.key() + " has no value"));
    }

    /** The value of a setting, empty when it has no default and was not given. */
    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(Setting<T> setting) {
        Entry entry = entries.get(setting.key());
        return entry == null ? Optional.empty() : Optional.of((T) entry.value());
    }

    /** Where the value came from, e.g. {@code TIMEOUT_SERVER (environment)}; {@code unset} when it has none. */
    public String origin(Setting<?> setting) {
        Entry entry = entries.get(setting.key());
        return entry == null ? "unset" : entry.origin();
    }
}
