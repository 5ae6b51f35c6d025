package dev.ballast.dataplane.pull;

import dev.ballast.schema.Snapshot;

/** Where pulled snapshots go: the replica's routing table. */
public interface SnapshotTarget {

    /** The snapshot in force (the empty one before the first apply). */
    Snapshot snapshot();

    /** Whether a snapshot was applied yet (before that, even the empty snapshot is worth applying: it makes ready). */
    boolean ready();

    /**
     * Puts {@code snapshot} in force, or throws and leaves the one in force untouched.
     *
     * @param from where it came from, for the readiness probe
     */
    void apply(Snapshot snapshot, String from);
}
