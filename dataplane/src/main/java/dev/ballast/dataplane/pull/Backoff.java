package dev.ballast.dataplane.pull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter between failed pulls: each delay is drawn between half and all of a ceiling that
 * doubles per failure up to {@code max}, so replicas that lost the controller together do not come back in step.
 */
final class Backoff {

    private final long initialMillis;
    private final long maxMillis;
    private long ceilingMillis;

    Backoff(Duration initial, Duration max) {
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.ceilingMillis = initialMillis;
    }

    /** The delay before the next attempt; each call raises the next ceiling. */
    Duration next() {
        long ceiling = ceilingMillis;
        ceilingMillis = Math.min(maxMillis, ceilingMillis * 2);
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }

    void reset() {
        ceilingMillis = initialMillis;
    }
}
