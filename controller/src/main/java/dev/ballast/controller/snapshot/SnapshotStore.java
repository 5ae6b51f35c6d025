package dev.ballast.controller.snapshot;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * The published snapshots: the current one, recent ones (bounded) to answer replicas with deltas, and the pulls parked
 * until the version changes. Publishing the same content again is a no-op. Thread-safe; parked pulls cost a list
 * entry each, no thread.
 */
public final class SnapshotStore {

    /** A parked pull; {@link #cancel()} when it times out. */
    public final class Watch {
        private final String version;
        private final Consumer<Snapshot> onChange;

        private Watch(String version, Consumer<Snapshot> onChange) {
            this.version = version;
            this.onChange = onChange;
        }

        public void cancel() {
            synchronized (SnapshotStore.this) {
                watches.remove(this);
            }
        }
    }

    /**
     * The last {@code historySize} versions published, oldest first, under this store's lock. By publication, not by
     * use: a size-bounded cache would keep the versions read most (a replica stuck far behind) and drop the newest,
     * which are the ones replicas in step need deltas from.
     */
    private final LinkedHashMap<String, Snapshot> history = new LinkedHashMap<>();
    private final int historySize;
    /** Serialised updates, by "from→to" (full ones by "→to"): many replicas ask for the same bytes. */
    private final Cache<String, byte[]> encoded = Caffeine.newBuilder().maximumSize(256).build();
    private final List<Watch> watches = new ArrayList<>();
    private volatile Snapshot current = Snapshot.empty();
    private volatile boolean published;

    public SnapshotStore(int historySize) {
        if (historySize < 1) {
            throw new IllegalArgumentException("historySize: at least 1, not " + historySize);
        }
        this.historySize = historySize;
        remember(current);
    }

    /** Makes {@code snapshot} the newest of the history (again, if it was already there), dropping the oldest. */
    private void remember(Snapshot snapshot) {
        history.remove(snapshot.version());
        history.put(snapshot.version(), snapshot);
        if (history.size() > historySize) {
            history.remove(history.keySet().iterator().next());
        }
    }

    private synchronized Snapshot historical(String version) {
        return history.get(version);
    }

    /** A snapshot published recently (within the history), by version. */
    public java.util.Optional<Snapshot> published(String version) {
        return java.util.Optional.ofNullable(historical(version));
    }

    public Snapshot current() {
        return current;
    }

    /** Whether anything has been published yet (before the first sync, the empty snapshot is not offered). */
    public boolean hasPublished() {
        return published;
    }

    /** Makes {@code snapshot} current and answers parked pulls; returns false when the version did not change. */
    public boolean publish(Snapshot snapshot) {
        List<Watch> woken;
        synchronized (this) {
            boolean first = !published;
            published = true;
            if (snapshot.version().equals(current.version()) && !first) {
                return false;
            }
            current = snapshot;
            remember(snapshot);
            woken = watches.stream().filter(w -> !w.version.equals(snapshot.version())).toList();
            watches.removeAll(woken);
        }
        woken.forEach(w -> w.onChange.accept(snapshot)); // outside the lock: callbacks write to sockets
        return true;
    }

    /**
     * Parks a pull from a replica at {@code version} until a different version is published; empty when one already
     * is (the caller answers at once).
     */
    public synchronized java.util.Optional<Watch> watch(String version, Consumer<Snapshot> onChange) {
        if (published && !version.equals(current.version())) {
            return java.util.Optional.empty();
        }
        Watch watch = new Watch(version, onChange);
        watches.add(watch);
        return java.util.Optional.of(watch);
    }

    /** The JSON body that brings a replica from {@code fromVersion} to {@code to}: a delta when possible. */
    public byte[] updateBody(String fromVersion, Snapshot to) {
        Snapshot from = fromVersion == null || fromVersion.isEmpty() ? null : historical(fromVersion);
        String key = (from == null ? "" : from.version()) + "->" + to.version();
        return encoded.get(key, k -> RouteJson.writeBytes(from == null
                ? SnapshotUpdate.full(to) : SnapshotUpdate.delta(from, to)));
    }

    public synchronized int parkedPulls() {
        return watches.size();
    }
}
