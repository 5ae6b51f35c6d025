package dev.ballast.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses byte sizes: a number with an optional unit, {@code B}, {@code KB}/{@code MB}/{@code GB} (powers of 1000) or
 * {@code KiB}/{@code MiB}/{@code GiB} (powers of 1024), case-insensitive; {@code k}, {@code m}, {@code g} alone are read
 * as the binary units, as the JVM's {@code -Xmx} does.
 */
public final class Sizes {

    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([a-z]*)");

    private Sizes() {
    }

    public static long parse(String text) {
        String value = text == null ? "" : text.trim();
        Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "\"" + value + "\" is not a size (expected e.g. 8192, 64KiB, 1MiB, 10MB)");
        }
        long multiplier = switch (m.group(2)) {
            case "", "b" -> 1L;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            default -> throw new IllegalArgumentException(
                    "\"" + value + "\" has an unknown size unit \"" + m.group(2) + "\" (expected B, KB, MB, GB, KiB, MiB, GiB)");
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("\"" + value + "\" is too large for a size", e);
        }
    }
}
