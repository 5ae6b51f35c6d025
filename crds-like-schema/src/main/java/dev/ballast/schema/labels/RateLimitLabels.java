package dev.ballast.schema.labels;

import dev.ballast.schema.FieldPath;
import dev.ballast.schema.RateLimit;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code com.df.rateLimit} (requests per second, or per minute or hour with {@code /m} or {@code /h}, as nginx's
 * {@code limit_req} writes rates) and {@code com.df.rateLimitBurst} into {@code spec.rateLimit}.
 */
final class RateLimitLabels {

    private static final Pattern RATE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(?:r?/\\s*(s|m|h))?");
    private static final double MAX_PER_SECOND = 1_000_000;

    private RateLimitLabels() {
    }

    static RateLimit of(LabelParams p) {
        Optional<LabelParams.Value> rate = p.get("rateLimit");
        Optional<LabelParams.Value> burst = p.get("rateLimitBurst");
        if (rate.isEmpty()) {
            burst.ifPresent(v -> p.warning(v.label(), "ignored without " + p.labelName("rateLimit", 0)));
            return null;
        }
        p.from(FieldPath.of("spec", "rateLimit"), rate);
        p.from(FieldPath.of("spec", "rateLimit", "burst"), burst);
        Optional<Double> perSecond = p.parse(rate, RateLimitLabels::perSecond);
        Optional<Integer> burstSize = p.integer(burst, 1, 1_000_000, "a burst size");
        return perSecond.map(r -> new RateLimit(r, burstSize.orElse(null))).orElse(null);
    }

    private static double perSecond(String text) {
        Matcher m = RATE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a rate (requests per second such as 10,"
                    + " or 600/m, 1000/h)");
        }
        double per = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "m" -> 60;
            case "h" -> 3600;
            default -> 1;
        };
        double perSecond = Double.parseDouble(m.group(1)) / per;
        if (perSecond <= 0 || perSecond > MAX_PER_SECOND) {
            throw new IllegalArgumentException("\"" + text + "\" is not a rate above 0 and at most 1000000/s");
        }
        return perSecond;
    }
}
