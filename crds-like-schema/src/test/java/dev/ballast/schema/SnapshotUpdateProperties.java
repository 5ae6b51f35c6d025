package dev.ballast.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Deltas and full updates between arbitrary snapshots. */
class SnapshotUpdateProperties {

    @Property(tries = 300)
    void aDeltaTurnsItsBaseIntoItsTarget(@ForAll("snapshots") Snapshot from, @ForAll("snapshots") Snapshot to) {
        SnapshotUpdate delta = SnapshotUpdate.delta(from, to);
        assertThat(delta.applyTo(from)).isEqualTo(to);
        assertThat(delta.routes().size() + delta.removedRoutes().size())
                .as("only what changed is sent").isLessThanOrEqualTo(from.routes().size() + to.routes().size());
        SnapshotUpdate wire = RouteJson.read(RouteJson.write(delta), SnapshotUpdate.class);
        assertThat(wire.applyTo(from)).isEqualTo(to);
    }

    @Property(tries = 100)
    void aFullUpdateIgnoresWhatIsInForce(@ForAll("snapshots") Snapshot any, @ForAll("snapshots") Snapshot to) {
        assertThat(SnapshotUpdate.full(to).applyTo(any)).isEqualTo(to);
        assertThat(SnapshotUpdate.full(to).applyTo(null)).isEqualTo(to);
    }

    @Property(tries = 100)
    void applyingTheSameDeltaTwiceIsRefusedNotDoubled(@ForAll("snapshots") Snapshot from, @ForAll("snapshots") Snapshot to) {
        SnapshotUpdate delta = SnapshotUpdate.delta(from, to);
        Snapshot once = delta.applyTo(from);
        if (!once.version().equals(from.version())) {
            assertThatThrownBy(() -> delta.applyTo(once)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot apply to");
        }
    }

    @Property(tries = 200)
    void theVersionCanBeMaintainedItemByItem(@ForAll("snapshots") Snapshot from, @ForAll("snapshots") Snapshot to) {
        SnapshotVersions.Accumulator running = new SnapshotVersions.Accumulator();
        from.routes().forEach(r -> running.add(SnapshotVersions.digest(r, SnapshotVersions.itemHash(r))));
        from.endpoints().forEach(e -> running.add(SnapshotVersions.digest(e, SnapshotVersions.itemHash(e))));
        assertThat(running.version()).isEqualTo(from.version());
        // turn from into to: remove what to does not have unchanged, add what from does not have
        exchange(running, from.routes(), to.routes());
        exchange(running, from.endpoints(), to.endpoints());
        assertThat(running.version()).isEqualTo(to.version());
    }

    private static <T> void exchange(SnapshotVersions.Accumulator sum, List<T> before, List<T> after) {
        before.stream().filter(item -> !after.contains(item))
                .forEach(item -> sum.remove(SnapshotVersions.digest(item, SnapshotVersions.itemHash(item))));
        after.stream().filter(item -> !before.contains(item))
                .forEach(item -> sum.add(SnapshotVersions.digest(item, SnapshotVersions.itemHash(item))));
    }

    @Example
    void certificatesTravelInDeltas_addedChangedAndRemoved() {
        Function<Object, String> hash = SnapshotVersions.UNCACHED;
        Snapshot before = Snapshot.of(List.of(route("a", 80)), List.of(), List.of(
                new TlsCertificate("kept", "K"), new TlsCertificate("changed", "C1"),
                new TlsCertificate("removed", "R")), hash);
        Snapshot after = Snapshot.of(List.of(route("a", 80)), List.of(), List.of(
                new TlsCertificate("kept", "K"), new TlsCertificate("changed", "C2"),
                new TlsCertificate("added", "A")), hash);
        SnapshotUpdate delta = SnapshotUpdate.delta(before, after);
        assertThat(delta.certificates()).extracting(TlsCertificate::name).containsExactlyInAnyOrder("changed",
                "added");
        assertThat(delta.removedCertificates()).containsExactly("removed");
        assertThat(delta.applyTo(before)).isEqualTo(after);
        assertThat(before.version()).isNotEqualTo(after.version());
        assertThat(RouteJson.redacted(after).toString()).doesNotContain("C2").contains(RouteJson.REDACTED);
        assertThat(new TlsCertificate("x", "SECRET").toString()).doesNotContain("SECRET");
    }

    @Example
    void tamperedContentIsRefused() {
        Snapshot a = Snapshot.of(List.of(route("a", 80)), List.of());
        SnapshotUpdate forged = new SnapshotUpdate(a.version(), null, List.of(route("a", 81)), List.of(), null, null,
                null, null, null);
        assertThatThrownBy(() -> forged.applyTo(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("content does not match version " + a.version());
    }

    @Example
    void aDeltaOnTheWrongBaseIsRefused() {
        Snapshot a = Snapshot.of(List.of(route("a", 80)), List.of());
        Snapshot b = Snapshot.of(List.of(route("b", 80)), List.of());
        assertThatThrownBy(() -> SnapshotUpdate.delta(a, b).applyTo(b))
                .hasMessage("delta from " + a.version() + " cannot apply to " + b.version());
    }

    static Route route(String name, int port) {
        return Route.of(name, RouteSpec.forService(name, List.of(Rule.prefix(List.of("/" + name + "/"), port))));
    }

    @Provide
    Arbitrary<Snapshot> snapshots() {
        Arbitrary<Route> routes = Combinators.combine(Arbitraries.of("a", "b", "c", "d", "e"), Arbitraries.integers().between(1, 3))
                .as(SnapshotUpdateProperties::route);
        Arbitrary<Endpoints> endpoints = Combinators.combine(Arbitraries.of("a", "b", "c", "x"),
                        Arbitraries.of("10.0.0.1", "10.0.0.2", "10.0.0.3").set().ofMaxSize(3))
                .as((service, addresses) -> new Endpoints(service, addresses.stream().map(Endpoint::new).toList()));
        return Combinators.combine(routes.list().ofMaxSize(5).uniqueElements(Route::name),
                        endpoints.list().ofMaxSize(4).uniqueElements(Endpoints::service))
                .as((r, e) -> Snapshot.of(new ArrayList<>(r), new ArrayList<>(e)));
    }

    @Example
    void theVersionOfAFixedSnapshotNeverChangesUnnoticed() {
        // Replicas compare versions across controller processes and releases; if this changes, say so in the
        // release notes (every replica will fetch one full snapshot).
        Snapshot fixed = Snapshot.of(List.of(route("a", 80)), List.of(new Endpoints("a", List.of(new Endpoint("10.0.0.1")))));
        assertThat(fixed.version()).isEqualTo(PINNED);
    }

    private static final String PINNED = "cca48b6dcc64955b";
}
