package dev.ballast.schema;

/**
 * A token bucket per client address: {@code requestsPerSecond} tokens a second, at most {@code burst} held. Each
 * replica keeps its own buckets, so a client spreading its requests over N replicas gets up to N times the rate.
 *
 * @param requestsPerSecond the sustained rate (fractions allowed: 0.5 is one request every two seconds)
 * @param burst the requests a client may make at once after being idle; {@code null} for the rate rounded up (at
 *     least 1)
 */
public record RateLimit(double requestsPerSecond, Integer burst) {

    /** {@link #burst}, or its default. */
    public int burstOrDefault() {
        return burst != null ? burst : (int) Math.max(1, Math.ceil(requestsPerSecond));
    }
}
