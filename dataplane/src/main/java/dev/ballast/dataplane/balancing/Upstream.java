package dev.ballast.dataplane.balancing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint and what the balancer knows of it. Thread-safe: in-flight counts are atomic, the latency estimate is
 * updated under the instance's lock (a few arithmetic operations per request).
 *
 * <p>The latency estimate is a peak EWMA (as in Finagle and Linkerd): an observation above the estimate replaces it at
 * once (so a slowdown is seen immediately), one below pulls it down with weight {@code 1 − exp(−Δt/τ)}, and an idle
 * estimate decays toward zero the same way. An endpoint never observed counts as {@code defaultRtt}. A failed exchange
 * is observed as at least {@code failurePenalty}, so an endpoint that fails fast does not look fast.
 */
public final class Upstream {

    private final String address;
    private final Tuning tuning;
    private final AtomicInteger inFlight = new AtomicInteger();
    private double costNanos;
    private long stampNanos;
    private boolean observed;
    // outlier ejection state, guarded by the pool's detector
    int consecutiveFailures;
    int ejections;
    long ejectedUntilNanos;

    /** The constants of the estimate. */
    public record Tuning(long decayNanos, long defaultRttNanos, long failurePenaltyNanos) {
        /** τ = 10 s, 30 ms for unseen endpoints, failures count as at least 1 s. */
        public static final Tuning DEFAULT = new Tuning(10_000_000_000L, 30_000_000L, 1_000_000_000L);
    }

    public Upstream(String address, Tuning tuning) {
        this.address = address;
        this.tuning = tuning;
    }

    public String address() {
        return address;
    }

    /** How many times the outlier detector has ejected it (read without its lock: for metrics). */
    public int ejections() {
        return ejections;
    }

    /**
     * When the last ejection ends (or ended), {@link System#nanoTime()} time. Written under the outlier detector's
     * lock: exact on the thread whose {@code record} ejected it, for information elsewhere.
     */
    public long ejectedUntilNanos() {
        return ejectedUntilNanos;
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** A request goes to this upstream. */
    public void start() {
        inFlight.incrementAndGet();
    }

    /** The request ended after {@code rttNanos}; a failure (connect error, 5xx) is penalised. */
    public void end(long nowNanos, long rttNanos, boolean failed) {
        inFlight.decrementAndGet();
        observe(nowNanos, failed ? Math.max(rttNanos, tuning.failurePenaltyNanos()) : rttNanos);
    }

    synchronized void observe(long nowNanos, long rttNanos) {
        if (!observed) {
            costNanos = rttNanos;
            observed = true;
        } else if (rttNanos > costNanos) {
            costNanos = rttNanos;
        } else {
            double w = decay(nowNanos);
            costNanos = costNanos * w + rttNanos * (1 - w);
        }
        stampNanos = nowNanos;
    }

    /** The latency estimate now, decayed for the time since the last observation. */
    public synchronized double latencyNanos(long nowNanos) {
        if (!observed) {
            return tuning.defaultRttNanos();
        }
        return costNanos * decay(nowNanos);
    }

    /** The weight left to the estimate after the time since the last observation: exp(−Δt/τ). */
    private double decay(long nowNanos) {
        return Math.exp(-(double) Math.max(0, nowNanos - stampNanos) / tuning.decayNanos());
    }

    /** What peak-EWMA minimises: expected latency times the queue this request would join. */
    public double load(long nowNanos) {
        return latencyNanos(nowNanos) * (inFlight.get() + 1);
    }

    @Override
    public String toString() {
        return "Upstream[" + address + ", inFlight=" + inFlight.get() + "]";
    }
}
