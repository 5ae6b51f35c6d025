package dev.ballast.controller.replicas;

import dev.ballast.schema.ListenerPorts;
import dev.ballast.schema.ReplicaReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each replica reported on its pulls: the version it has applied, any version it rejected with the error, and
 * the figures of the endpoints it sends to.
 * {@link #evaluate} compares them with the desired version: {@code Ready}, {@code Pending} (behind, within the
 * deadline), {@code Degraded} (behind past the deadline, or it rejected the desired version). Replicas unseen for the
 * TTL are forgotten.
 */
public final class ReplicaRegistry {

    /**
     * A replica as {@code /v1/status} shows it.
     *
     * @param listeners the ports of its plain and TLS listeners, as its last pull said; null when it did not say
     */
    public record ReplicaView(String id, String state, String appliedVersion, Instant lastSeen, Duration lag,
                              String rejectedVersion, String lastError, ListenerPorts listeners) {
    }

    /**
     * The endpoint figures a replica sent with its last pull that had any.
     *
     * @param error why the last pull's report could not be read (the figures are then the report before), else null
     */
    public record Reported(ReplicaReport report, Instant at, String error) {
    }

    private static final class Replica {
        final String id;
        Reported reported;
        String applied = "";
        String rejected;
        String error;
        int rejections;
        Instant lastSeen;
        ListenerPorts listeners;

        Replica(String id) {
            this.id = id;
        }
    }

    private final Clock clock;
    private final Duration lagDeadline;
    private final Duration ttl;
    private final Map<String, Replica> replicas = new ConcurrentHashMap<>();

    public ReplicaRegistry(Clock clock, Duration lagDeadline, Duration ttl) {
        this.clock = clock;
        this.lagDeadline = lagDeadline;
        this.ttl = ttl;
    }

    /** Records a pull. {@code rejected} and {@code error} describe what the replica did with the last offer. */
    public void seen(String id, String applied, String rejected, String error) {
        seen(id, applied, rejected, error, null);
    }

    /** Records a pull that also said which ports the replica listens on ({@code listeners}; null: it did not say). */
    public void seen(String id, String applied, String rejected, String error, ListenerPorts listeners) {
        Replica r = replicas.computeIfAbsent(id, Replica::new);
        synchronized (r) {
            r.applied = applied == null ? "" : applied;
            r.lastSeen = clock.instant();
            if (listeners != null) {
                r.listeners = listeners;
            }
            if (rejected != null && !rejected.isEmpty()) {
                r.rejections = rejected.equals(r.rejected) ? r.rejections + 1 : 1;
                r.rejected = rejected;
                r.error = error;
            } else if (r.rejected != null && r.applied.equals(r.rejected)) {
                r.rejected = null;
                r.rejections = 0;
            }
        }
    }

    /** Records the endpoint figures a pull carried. */
    public void reported(String id, ReplicaReport report) {
        Replica r = replicas.computeIfAbsent(id, Replica::new);
        synchronized (r) {
            r.reported = new Reported(report, clock.instant(), null);
        }
    }

    /** Records that a pull carried a report that could not be read: the figures before it stay. */
    public void reportUnreadable(String id, String error) {
        Replica r = replicas.computeIfAbsent(id, Replica::new);
        synchronized (r) {
            r.reported = new Reported(r.reported == null ? ReplicaReport.EMPTY : r.reported.report(),
                    r.reported == null ? null : r.reported.at(), error);
        }
    }

    /** What each replica in sight last reported, by replica id (those that never reported are left out). */
    public Map<String, Reported> reports() {
        Map<String, Reported> out = new TreeMap<>();
        for (Replica r : replicas.values()) {
            synchronized (r) {
                if (r.reported != null) {
                    out.put(r.id, r.reported);
                }
            }
        }
        return out;
    }

    /**
     * How long to hold a replica's pull before offering {@code version} again, when it already rejected it: 1 s,
     * then doubling per rejection, at most 30 s. Zero when it has not rejected {@code version}.
     */
    public Duration reofferDelay(String id, String version) {
        Replica r = replicas.get(id);
        if (r == null) {
            return Duration.ZERO;
        }
        synchronized (r) {
            if (!version.equals(r.rejected)) {
                return Duration.ZERO;
            }
            return Duration.ofSeconds(Math.min(30, 1L << Math.min(5, r.rejections - 1)));
        }
    }

    /** The replicas against the desired version, which has been desired since {@code desiredSince}. */
    public List<ReplicaView> evaluate(String desired, Instant desiredSince) {
        Instant now = clock.instant();
        replicas.values().removeIf(r -> r.lastSeen != null && Duration.between(r.lastSeen, now).compareTo(ttl) > 0);
        List<ReplicaView> out = new ArrayList<>();
        for (Replica r : replicas.values()) {
            synchronized (r) {
                boolean current = r.applied.equals(desired);
                Duration lag = current ? Duration.ZERO : Duration.between(desiredSince, now);
                String state = current ? "Ready"
                        : desired.equals(r.rejected) || lag.compareTo(lagDeadline) > 0 ? "Degraded" : "Pending";
                out.add(new ReplicaView(r.id, state, r.applied, r.lastSeen, lag, r.rejected, r.error, r.listeners));
            }
        }
        out.sort(Comparator.comparing(ReplicaView::id));
        return out;
    }
}
