package dev.ballast.dataplane.balancing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint and what the balancer knows of it. Thread-safe: in-flight counts are atomic, the latency estimate is
 * updated under the instance's lock (a few arithmetic operations per request).
 *
 * <p>The latency estimate is a peak EWMA (as in Finagle and Linkerd): an observation above the estimate replaces it at
 * once (so a slowdown is seen immediately), one below pulls it down with weight {@code 1 − exp(−Δt/τ)}, and an idle
 * estimate decays toward zero the same way, as it is read: an endpoint left alone for a while looks cheap again and
 * gets a request that measures it anew. An endpoint never observed is tried, not avoided (as in Finagle): its estimate
 * is zero while nothing is in flight to it, and {@code defaultRtt} while its first answers are awaited, so a new
 * endpoint gets traffic at once without being flooded before it has answered. A failed exchange is observed as at least
 * {@code failurePenalty}, so an endpoint that fails fast does not look fast.
 *
 * <p>While nothing is in flight to any endpoint (low load), balancers read the estimate decayed with a shorter time
 * constant, {@code quietDecay} ({@link #quietLatencyNanos}): with no queue to avoid, an old peak (a cold first request,
 * a pause) says little about an endpoint left idle since, and an idle endpoint must not be kept out for long by it.
 *
 * <p>It also remembers when a balancer last picked it, for the balancers' tie-breaks (least recently picked first).
 */
public final class Upstream {

    private final String address;
    private final Tuning tuning;
    private final AtomicInteger inFlight = new AtomicInteger();
    private double costNanos;
    private long stampNanos;
    private boolean observed;
    /** When a balancer last picked it ({@link #NEVER} before the first time); written without a lock. */
    private volatile long pickedAt = NEVER;
    // outlier ejection state, guarded by the pool's detector
    int consecutiveFailures;
    int ejections;
    long ejectedUntilNanos;

    /** {@link #pickedAt} of an upstream never picked. */
    static final long NEVER = Long.MIN_VALUE;

    /**
     * The constants of the estimate.
     *
     * @param decayNanos τ, the time constant of the decay
     * @param defaultRttNanos the latency assumed of an endpoint never observed while requests to it are in flight
     * @param failurePenaltyNanos the least latency a failed exchange counts as
     * @param quietDecayNanos the time constant of the decay as read at low load ({@link #quietLatencyNanos})
     */
    public record Tuning(long decayNanos, long defaultRttNanos, long failurePenaltyNanos, long quietDecayNanos) {
        /**
         * τ = 10 s, 30 ms while an unseen endpoint's first answers are awaited, failures count as at least 1 s, 1 s at
         * low load.
         */
        public static final Tuning DEFAULT = new Tuning(10_000_000_000L, 30_000_000L, 1_000_000_000L,
                1_000_000_000L);
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

    /**
     * A TCP connection to it was established after {@code connectNanos} (started with {@link #start}): the connect
     * time is its latency observation, and the connection stays counted in flight, as an open connection is the
     * load a TCP endpoint carries, until {@link #disconnected}.
     */
    public void connected(long nowNanos, long connectNanos) {
        observe(nowNanos, connectNanos);
    }

    /** A TCP connection counted since {@link #start} is closed; its latency was observed when it connected. */
    public void disconnected() {
        inFlight.decrementAndGet();
    }

    /**
     * One latency observation. It is compared with the estimate as it reads now (decayed since the last observation):
     * above, it replaces it; below, the estimate moves toward it with weight {@code 1 − exp(−Δt/τ)}.
     */
    synchronized void observe(long nowNanos, long rttNanos) {
        if (!observed) {
            costNanos = rttNanos;
            observed = true;
        } else {
            double w = decay(nowNanos);
            double current = costNanos * w;
            costNanos = rttNanos > current ? rttNanos : current + rttNanos * (1 - w);
        }
        stampNanos = nowNanos;
    }

    /** The latency estimate now, decayed for the time since the last observation; zero before the first one. */
    public synchronized double latencyNanos(long nowNanos) {
        if (!observed) {
            return 0;
        }
        return costNanos * decay(nowNanos);
    }

    /**
     * The latency estimate as read at low load: decayed with {@code quietDecay} rather than τ for the time since the
     * last observation; zero before the first one.
     */
    public synchronized double quietLatencyNanos(long nowNanos) {
        if (!observed) {
            return 0;
        }
        return costNanos * decay(nowNanos, tuning.quietDecayNanos());
    }

    /** The weight left to the estimate after the time since the last observation: exp(−Δt/τ). */
    private double decay(long nowNanos) {
        return decay(nowNanos, tuning.decayNanos());
    }

    private double decay(long nowNanos, long tauNanos) {
        return Math.exp(-(double) Math.max(0, nowNanos - stampNanos) / tauNanos);
    }

    /**
     * What peak-EWMA minimises: expected latency times the queue this request would join. An endpoint never observed
     * costs nothing while nothing is in flight to it (it is tried), and {@code defaultRtt} per request once its first
     * answers are awaited.
     */
    public double load(long nowNanos) {
        int queue = inFlight.get() + 1;
        synchronized (this) {
            if (!observed) {
                return queue == 1 ? 0 : (double) tuning.defaultRttNanos() * queue;
            }
            return costNanos * decay(nowNanos) * queue;
        }
    }

    /** A balancer picked it at {@code nowNanos}. */
    void picked(long nowNanos) {
        pickedAt = nowNanos;
    }

    /** Whether it was picked less recently than {@code other} (never picked counts as longest ago). */
    boolean pickedBefore(Upstream other) {
        long mine = pickedAt;
        long theirs = other.pickedAt;
        if (mine == NEVER || theirs == NEVER) {
            return mine == NEVER && theirs != NEVER;
        }
        return mine - theirs < 0;
    }

    @Override
    public String toString() {
        return "Upstream[" + address + ", inFlight=" + inFlight.get() + "]";
    }
}
