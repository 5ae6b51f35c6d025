package dev.ballast.dataplane.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.RateLimit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The token buckets: bursts, refills at the rate, one bucket per route and client, memory bounded. */
class RateLimiterTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aBurstThenOneRequestPerTokenAsItRefills() {
        RateLimiter limiter = new RateLimiter(1000);
        RateLimit twoPerSecond = new RateLimit(2, 3);
        long t = 1_000 * SECOND;
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.take("r", twoPerSecond, "10.0.0.1", t)).as("burst request %d", i).isZero();
        }
        long wait = limiter.take("r", twoPerSecond, "10.0.0.1", t);
        assertThat(wait).as("a token comes in half a second").isEqualTo(SECOND / 2);
        assertThat(limiter.take("r", twoPerSecond, "10.0.0.1", t + SECOND / 4)).isEqualTo(SECOND / 4);
        assertThat(limiter.take("r", twoPerSecond, "10.0.0.1", t + SECOND / 2)).isZero();
        // idle for long: the bucket holds the burst again, never more
        long later = t + 60 * SECOND;
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.take("r", twoPerSecond, "10.0.0.1", later)).isZero();
        }
        assertThat(limiter.take("r", twoPerSecond, "10.0.0.1", later)).isPositive();
    }

    @Test
    void clientsAndRoutesHaveBucketsOfTheirOwn() {
        RateLimiter limiter = new RateLimiter(1000);
        RateLimit one = new RateLimit(1, null);
        assertThat(one.burstOrDefault()).isEqualTo(1);
        assertThat(limiter.take("r", one, "10.0.0.1", 0)).isZero();
        assertThat(limiter.take("r", one, "10.0.0.1", 0)).isPositive();
        assertThat(limiter.take("r", one, "10.0.0.2", 0)).isZero();
        assertThat(limiter.take("other", one, "10.0.0.1", 0)).isZero();
    }

    @Test
    void aFractionalRateWaitsAccordingly() {
        RateLimiter limiter = new RateLimiter(1000);
        RateLimit everyTenSeconds = new RateLimit(0.1, null);
        assertThat(everyTenSeconds.burstOrDefault()).isEqualTo(1);
        assertThat(limiter.take("r", everyTenSeconds, "c", 0)).isZero();
        assertThat(limiter.take("r", everyTenSeconds, "c", 0)).isEqualTo(10 * SECOND);
    }

    @Test
    void theBucketsAreBoundedInNumber() {
        RateLimiter limiter = new RateLimiter(100);
        RateLimit limit = new RateLimit(1, 1);
        for (int i = 0; i < 10_000; i++) {
            limiter.take("r", limit, "client-" + i, 0);
        }
        assertThat(limiter.size()).isLessThanOrEqualTo(100);
    }
}
