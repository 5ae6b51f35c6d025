package dev.ballast.dataplane.balancing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Passive outlier ejection over one set of upstreams, with Envoy's defaults where the issue does not say otherwise:
 * {@code consecutiveFailures} (5) failed exchanges in a row (5xx or connect failures) eject an upstream for
 * {@code baseEjection} (30 s) times the number of times it has been ejected, at most {@code maxEjection} (300 s);
 * at most {@code maxEjectedPercent} (50%) of the set is ejected at once, and never the last available upstream.
 * An ejected upstream comes back by itself when its time is up. Thread-safe.
 */
public final class OutlierDetector {

    /** The thresholds. */
    public record Settings(int consecutiveFailures, Duration baseEjection, Duration maxEjection, int maxEjectedPercent) {
        public static final Settings DEFAULT = new Settings(5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50);
    }

    private final List<Upstream> upstreams;
    private final Settings settings;
    /** When the last ejection so far ends: before then some upstream may be ejected. Read without the lock. */
    private volatile long ejectionsEndNanos = Long.MIN_VALUE;

    public OutlierDetector(List<Upstream> upstreams, Settings settings) {
        this.upstreams = List.copyOf(upstreams);
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Records the outcome of an exchange with {@code upstream}; returns true when this failure ejected it. */
    public synchronized boolean record(Upstream upstream, boolean failed, long nowNanos) {
        if (!failed) {
            upstream.consecutiveFailures = 0;
            return false;
        }
        upstream.consecutiveFailures++;
        if (upstream.consecutiveFailures < settings.consecutiveFailures() || isEjected(upstream, nowNanos)
                || !mayEject(nowNanos)) {
            return false;
        }
        upstream.ejections++;
        long ejection = Math.min(settings.baseEjection().toNanos() * upstream.ejections,
                settings.maxEjection().toNanos());
        upstream.ejectedUntilNanos = nowNanos + ejection;
        if (ejectionsEndNanos == Long.MIN_VALUE || upstream.ejectedUntilNanos - ejectionsEndNanos > 0) {
            ejectionsEndNanos = upstream.ejectedUntilNanos;
        }
        upstream.consecutiveFailures = 0;
        return true;
    }

    /** Whether one more upstream may be ejected: within the percentage, and never the last one available. */
    private boolean mayEject(long nowNanos) {
        int ejected = ejectedCount(nowNanos);
        int allowed = upstreams.size() * settings.maxEjectedPercent() / 100;
        return ejected + 1 <= allowed && ejected + 1 < upstreams.size();
    }

    private static boolean isEjected(Upstream u, long nowNanos) {
        return u.ejectedUntilNanos > nowNanos;
    }

    /** Whether no upstream of the set is ejected now (the common case; no lock, no allocation). */
    public boolean noneEjected(long nowNanos) {
        long end = ejectionsEndNanos;
        return end == Long.MIN_VALUE || nowNanos - end >= 0;
    }

    /** The upstreams not ejected now (all of them, should every one be ejected). */
    public synchronized List<Upstream> available(long nowNanos) {
        List<Upstream> out = new ArrayList<>(upstreams.size());
        for (Upstream u : upstreams) {
            if (!isEjected(u, nowNanos)) {
                out.add(u);
            }
        }
        return out.isEmpty() ? upstreams : out;
    }

    /** How many upstreams are ejected now. */
    public synchronized int ejectedCount(long nowNanos) {
        return (int) upstreams.stream().filter(u -> isEjected(u, nowNanos)).count();
    }
}
