package dev.ballast.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One configuration setting, declared once and read from every source.
 *
 * @param key the name in the YAML config file (under the process's section) and the identity of the setting
 * @param flag the command-line flag, {@code --} plus the key in kebab case unless declared otherwise
 * @param env environment variables that set it, highest precedence first: {@code BALLAST_} plus the key in upper
 *     snake case, then any Docker Flow names that mean the same thing
 * @param defaultValue the default as text (parsed like any other source), or {@code null} for "unset"
 * @param parser turns text into the value; throws {@link IllegalArgumentException} with a message that quotes the text
 * @param description one line for {@code --help} and the README
 * @param repeatable whether the flag may be given several times on a command line (its values are joined with
 *     commas, as a list is written in the environment or the YAML file)
 * @param <T> the parsed type
 */
public record Setting<T>(String key, String flag, List<String> env, String defaultValue,
                         Function<String, T> parser, String description, boolean repeatable) {

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(flag, "flag");
        env = List.copyOf(env);
        Objects.requireNonNull(parser, "parser");
        Objects.requireNonNull(description, "description");
    }

    /** A setting with the conventional flag and environment names. */
    public static <T> Setting<T> of(String key, String defaultValue, Function<String, T> parser, String description) {
        return new Setting<>(key, "--" + kebab(key), List.of("BALLAST_" + snake(key)), defaultValue, parser, description,
                false);
    }

    /** The same setting, its flag allowed several times (for a list: each flag adds its values). */
    public Setting<T> asRepeatable() {
        return new Setting<>(key, flag, env, defaultValue, parser, description, true);
    }

    /** The same setting, also read from {@code names} (e.g. Docker Flow's variables) after the Ballast name. */
    public Setting<T> alsoFromEnv(String... names) {
        List<String> all = new ArrayList<>(env);
        all.addAll(List.of(names));
        return new Setting<>(key, flag, all, defaultValue, parser, description, repeatable);
    }

    public T parse(String text) {
        return parser.apply(text);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }
}
