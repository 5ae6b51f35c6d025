package dev.ballast.schema.labels;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The process-wide settings that change how labels are read.
 *
 * @param notifyLabel the opt-in label, {@code com.df.notify} by default; {@code key=value} names the value to expect
 *     (otherwise {@code true}, compared case-insensitively)
 * @param separator what separates list values ({@code SEPARATOR}, default {@code ,})
 * @param httpsOnly force {@code httpsOnly} on every destination ({@code HTTPS_ONLY})
 * @param secrets where {@code com.df.usersSecret} is looked up
 */
public record TranslationOptions(String notifyLabel, String separator, boolean httpsOnly, SecretSource secrets) {

    public TranslationOptions {
        Objects.requireNonNull(notifyLabel, "notifyLabel");
        Objects.requireNonNull(separator, "separator");
        Objects.requireNonNull(secrets, "secrets");
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("separator must not be empty");
        }
    }

    /** Docker Flow's defaults, with secrets read from {@code /run/secrets}. */
    public static TranslationOptions defaults() {
        return new TranslationOptions("com.df.notify", ",", false, SecretSource.directory(Path.of("/run/secrets")));
    }

    /** The label a service opts in with ({@code com.df.notify}, or the part of {@code KEY=VALUE} before the '='). */
    public String notifyKey() {
        int eq = notifyLabel.indexOf('=');
        return eq < 0 ? notifyLabel : notifyLabel.substring(0, eq);
    }

    String notifyValue() {
        int eq = notifyLabel.indexOf('=');
        return eq < 0 ? "true" : notifyLabel.substring(eq + 1);
    }
}
