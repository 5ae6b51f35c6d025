package dev.ballast.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats durations such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} and {@code 1m30s}.
 *
 * <p>A bare number is read as seconds, because that is how Docker Flow Proxy's {@code TIMEOUT_*} variables and
 * {@code com.df.timeout*} labels are written. {@link #format} produces the canonical form (largest units first, no
 * zero parts), so that two spellings of the same duration serialise identically in content-hashed snapshots.
 */
public final class Durations {

    /** The pattern the Route schema uses for duration strings; kept here so the two cannot disagree. */
    public static final String PATTERN = "^([0-9]+(ms|s|m|h))+$|^[0-9]+$";

    private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile(PATTERN);

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message that quotes the value and shows the accepted forms
     */
    public static Duration parse(String text) {
        String value = text == null ? "" : text.trim();
        if (!WHOLE.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "\"" + value + "\" is not a duration (expected e.g. 500ms, 30s, 5m, 1h, or a number of seconds)");
        }
        try {
            if (value.chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            Duration total = Duration.ZERO;
            Matcher m = PART.matcher(value);
            while (m.find()) {
                long amount = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                });
            }
            return total;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("\"" + value + "\" is too large for a duration", e);
        }
    }

    /** Formats a duration in canonical form: {@code 1h30m}, {@code 20s}, {@code 1s500ms}, {@code 0s}. */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative duration: " + duration);
        }
        if (duration.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long hours = duration.toHours();
        int minutes = duration.toMinutesPart();
        int seconds = duration.toSecondsPart();
        int millis = duration.toMillisPart();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (minutes > 0) {
            out.append(minutes).append('m');
        }
        if (seconds > 0) {
            out.append(seconds).append('s');
        }
        if (millis > 0) {
            out.append(millis).append("ms");
        }
        return out.toString();
    }
}
