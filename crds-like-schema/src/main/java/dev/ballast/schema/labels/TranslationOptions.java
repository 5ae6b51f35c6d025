package dev.ballast.schema.labels;

import java.util.Objects;

/**
 * The process-wide settings that change how labels are read.
 *
 * @param notifyLabel the opt-in label, {@code com.df.notify} by default; {@code key=value} names the value to expect
 *     (otherwise {@code true}, compared case-insensitively)
 * @param separator what separates list values ({@code SEPARATOR}, default {@code ,})
 * @param httpsOnly force {@code httpsOnly} on every destination ({@code HTTPS_ONLY})
 */
public record TranslationOptions(String notifyLabel, String separator, boolean httpsOnly) {

    public TranslationOptions {
        Objects.requireNonNull(notifyLabel, "notifyLabel");
        Objects.requireNonNull(separator, "separator");
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("separator must not be empty");
        }
    }

    /** Docker Flow's defaults. */
    public static TranslationOptions defaults() {
        return new TranslationOptions("com.df.notify", ",", false);
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
