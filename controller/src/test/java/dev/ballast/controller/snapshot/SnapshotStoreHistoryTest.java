package dev.ballast.controller.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.schema.Endpoints;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history that answers deltas holds the last N versions published, not the N read most. */
class SnapshotStoreHistoryTest {

    private static final int N = 8;
    private static final int K = 5;

    private static Snapshot snapshot(int i) {
        return Snapshot.of(List.of(), List.of(new Endpoints("service-" + i, List.of())));
    }

    private static boolean answeredWithDelta(SnapshotStore store, String from) {
        return RouteJson.read(new String(store.updateBody(from, store.current()), java.nio.charset.StandardCharsets.UTF_8),
                SnapshotUpdate.class).isDelta();
    }

    @Test
    void theLastNPublishedAreAnsweredWithDeltasWhateverWasReadMost() {
        SnapshotStore store = new SnapshotStore(N);
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < N + K; i++) {
            Snapshot next = snapshot(i);
            assertThat(store.publish(next)).isTrue();
            versions.add(next.version());
            // A replica stuck on the first versions asks for them over and over; that must not keep them.
            for (int read = 0; read < 100; read++) {
                store.updateBody(versions.get(0), store.current());
                store.updateBody(versions.get(Math.min(1, i)), store.current());
            }
        }
        for (int i = 0; i < N + K; i++) {
            assertThat(answeredWithDelta(store, versions.get(i)))
                    .as("publication %d of %d answered with a delta", i + 1, N + K).isEqualTo(i >= K);
        }
    }

    @Test
    void aVersionPublishedAgainCountsAsRecent() {
        SnapshotStore store = new SnapshotStore(3);
        Snapshot a = snapshot(0);
        store.publish(a);
        store.publish(snapshot(1));
        store.publish(a); // scaled up, then back down: the same content, so the same version
        store.publish(snapshot(2));
        store.publish(snapshot(3));
        // Published last-but-two, so still held; snapshot(1) is older and gone.
        assertThat(answeredWithDelta(store, a.version())).isTrue();
        assertThat(answeredWithDelta(store, snapshot(1).version())).isFalse();
    }
}
