package dev.ballast.dataplane.limits;

import dev.ballast.config.DataplaneConfig;

/**
 * The replica's admission limits as the proxy applies them: its rate limiter and connection counts, and the
 * request limits of {@link DataplaneConfig.Limits}.
 *
 * @param maxBodyBytes the replica's largest request body, 0 for none (a rule's own maximum wins)
 * @param minBodyRate bytes per second a request body must average while awaited, 0 for no minimum
 * @param maxHeaders header fields a request may have
 */
public record Admission(RateLimiter rateLimits, ConnectionLimits connections, long maxBodyBytes, long minBodyRate,
                        int maxHeaders) {

    /** Client-and-route buckets kept at most: about 100 bytes each. */
    static final long MAX_RATE_BUCKETS = 200_000;

    public static Admission of(DataplaneConfig.Limits limits) {
        return new Admission(new RateLimiter(MAX_RATE_BUCKETS),
                new ConnectionLimits(limits.maxConnections(), limits.maxConnectionsPerClient()),
                limits.maxRequestBodySize(), limits.minRequestBodyRate(), limits.maxRequestHeaders());
    }
}
