package dev.ballast.dataplane.limits;

import java.util.Locale;

/**
 * Why the proxy refused a request or a connection before (or instead of) an upstream answering: the {@code reason}
 * label of {@code ballast_refusals_total} and the last field of the access-log line.
 */
public enum Refusal {
    /** Over the route's rate limit for the client's address: 429. */
    RATE_LIMITED,
    /** The client's address is outside the rule's {@code allowedSourceRanges}: 403. */
    SOURCE_RANGE,
    /** The request body is larger than the rule's (or the replica's) maximum: 413. */
    BODY_TOO_LARGE,
    /** The request body came slower than {@code --min-request-body-rate}: 408. */
    BODY_TOO_SLOW,
    /** More header fields than {@code --max-request-headers}: 431. */
    TOO_MANY_HEADERS,
    /** A path that cannot be normalised safely (it climbs above the root, or hides a slash): 400. */
    PATH,
    /** The listener has {@code --max-connections} open already: the connection is closed. */
    LISTENER_CONNECTIONS,
    /** The client's address has {@code --max-connections-per-client} open already: the connection is closed. */
    CLIENT_CONNECTIONS;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The metric label and access-log word: {@code rate_limited}, {@code source_range}, … */
    public String label() {
        return label;
    }
}
