package dev.ballast.dataplane.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.ballast.schema.RateLimit;
import java.time.Duration;

/**
 * Rate limits by route and client address: a token bucket for each pair that has made a request lately. A bucket
 * idle long enough to be full again is no different from a new one, so it is evicted then; past {@code maxBuckets}
 * the least used go first, which can only be lenient (a client evicted early starts with a full bucket). Thread-safe:
 * the event loops share it, and a bucket's own lock is held for a few arithmetic operations.
 */
public final class RateLimiter {

    private final Cache<Key, TokenBucket> buckets;

    public RateLimiter(long maxBuckets) {
        buckets = Caffeine.newBuilder().maximumSize(maxBuckets)
                .expireAfter(Expiry.accessing((Key key, TokenBucket bucket) -> bucket.refill())).build();
    }

    /**
     * Takes a token for a request of {@code client} to {@code route}.
     *
     * @return 0 when the request may go, else the nanoseconds until it would have
     */
    public long take(String route, RateLimit limit, String client, long nowNanos) {
        TokenBucket bucket = buckets.get(new Key(route, client),
                k -> new TokenBucket(limit.requestsPerSecond(), limit.burstOrDefault(), nowNanos));
        return bucket.take(limit.requestsPerSecond(), limit.burstOrDefault(), nowNanos);
    }

    /** Buckets held now (after pending evictions): what the limiter costs in memory. */
    public long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private record Key(String route, String client) {
    }

    /** Tokens of one client on one route; the rate and burst are the route's as of each request. */
    static final class TokenBucket {
        private static final Duration MIN_IDLE = Duration.ofSeconds(1);
        private static final Duration MAX_IDLE = Duration.ofDays(1);

        private double tokens;
        private long updated;
        private Duration refill;

        TokenBucket(double perSecond, int burst, long nowNanos) {
            tokens = burst;
            updated = nowNanos;
            refill = refillTime(perSecond, burst);
        }

        synchronized long take(double perSecond, int burst, long nowNanos) {
            tokens = Math.min(burst, tokens + (nowNanos - updated) * perSecond / 1e9);
            updated = nowNanos;
            refill = refillTime(perSecond, burst);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * 1e9));
        }

        /** How long the bucket takes to fill from empty: once idle that long, it may go. */
        synchronized Duration refill() {
            return refill;
        }

        private static Duration refillTime(double perSecond, int burst) {
            double seconds = burst / perSecond;
            if (seconds >= MAX_IDLE.toSeconds()) {
                return MAX_IDLE;
            }
            Duration d = Duration.ofNanos((long) (seconds * 1e9));
            return d.compareTo(MIN_IDLE) < 0 ? MIN_IDLE : d;
        }
    }
}
