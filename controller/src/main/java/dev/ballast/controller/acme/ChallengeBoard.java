package dev.ballast.controller.acme;

import dev.ballast.controller.replicas.ReplicaRegistry;
import dev.ballast.controller.snapshot.SnapshotStore;
import dev.ballast.schema.AcmeChallenge;
import dev.ballast.schema.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The HTTP-01 challenges under way, which travel to every replica in the snapshot. The CA may fetch a challenge from
 * any replica, so {@link #awaitApplied} waits until each replica in sight (but those that reject snapshots, which
 * would never catch up) has applied a snapshot that holds it, before the CA is told to validate.
 */
final class ChallengeBoard {

    private static final Duration POLL = Duration.ofMillis(50);

    private final List<AcmeChallenge> challenges = new CopyOnWriteArrayList<>();
    private final SnapshotStore store;
    private final ReplicaRegistry replicas;
    private final Supplier<Instant> desiredSince;
    private final Runnable changed;

    /**
     * @param changed asks for a reconcile pass, which puts the challenges in force into the snapshot
     */
    ChallengeBoard(SnapshotStore store, ReplicaRegistry replicas, Supplier<Instant> desiredSince, Runnable changed) {
        this.store = store;
        this.replicas = replicas;
        this.desiredSince = desiredSince;
        this.changed = changed;
    }

    /** The challenges replicas are to answer now. */
    List<AcmeChallenge> challenges() {
        return List.copyOf(challenges);
    }

    void post(List<AcmeChallenge> posted) {
        challenges.addAll(posted);
        changed.run();
    }

    void withdraw(List<AcmeChallenge> withdrawn) {
        if (challenges.removeAll(withdrawn)) {
            changed.run();
        }
    }

    /** Whether any replica pulls from this controller (else no challenge it posts can be answered). */
    boolean replicasInSight() {
        return !replicas.evaluate(store.current().version(), desiredSince.get()).isEmpty();
    }

    /**
     * Waits until every replica in sight answers {@code posted}.
     *
     * @return empty when they do, else what is missing (no replica, or which ones lag), after {@code timeout}
     */
    Optional<String> awaitApplied(List<AcmeChallenge> posted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> missing = missing(posted);
            if (missing.isEmpty() || System.nanoTime() > deadline) {
                return missing;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private Optional<String> missing(List<AcmeChallenge> posted) {
        Snapshot current = store.current();
        if (!current.challenges().containsAll(posted)) {
            return Optional.of("the snapshot holding the challenge was not published");
        }
        List<ReplicaRegistry.ReplicaView> views = replicas.evaluate(current.version(), desiredSince.get()).stream()
                .filter(r -> !current.version().equals(r.rejectedVersion())).toList();
        if (views.isEmpty()) {
            return Optional.of("no replica pulls from this controller, so none can answer the CA");
        }
        List<String> lagging = views.stream().filter(r -> !store.published(r.appliedVersion())
                .map(s -> s.challenges().containsAll(posted)).orElse(false)).map(ReplicaRegistry.ReplicaView::id)
                .toList();
        return lagging.isEmpty() ? Optional.empty()
                : Optional.of("replicas " + String.join(", ", lagging) + " did not apply the challenge");
    }
}
