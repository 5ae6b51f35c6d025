package dev.ballast.dataplane.pull;

import dev.ballast.schema.ListenerPorts;
import dev.ballast.schema.ReplicaReport;
import dev.ballast.schema.Snapshot;
import java.util.Optional;

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

    /**
     * The ports the replica listens on, plain and TLS, told to the controller on each pull so that it can say which
     * routes name a port no replica serves; empty before the listeners are open.
     */
    default Optional<ListenerPorts> listenerPorts() {
        return Optional.empty();
    }

    /** What the replica reports with its next pull. */
    default ReplicaReport report() {
        return ReplicaReport.EMPTY;
    }
}
