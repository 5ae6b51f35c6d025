package dev.ballast.dataplane.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ballast.dataplane.TestReplicas;
import dev.ballast.dataplane.pull.StateFile;
import dev.ballast.dataplane.routing.RoutingTable;
import dev.ballast.schema.Endpoint;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteJson;
import dev.ballast.schema.RouteValidator;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import dev.ballast.schema.SnapshotVersions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;

/**
 * Whatever body a controller answers a pull with, the replica's reading of it (what {@code SnapshotPuller} does:
 * {@link RouteJson#read} into a {@link SnapshotUpdate}, {@link SnapshotUpdate#applyTo} the snapshot in force, every
 * route validated) throws nothing but its documented refusals (Jackson's exception for what is not an update, an
 * {@link IllegalArgumentException} for an update that does not apply) and never half-applies one: the snapshot in
 * force is left as it was, and a snapshot that is accepted hashes to its version, compiles into a routing table, and
 * comes back the same from the state file a restarted replica reads. Random bytes seldom hash to the version they
 * announce, so each update is also tried as a controller would have versioned it (full: its content hashed; delta:
 * based on the snapshot in force), which takes the fuzzer past the hash check to validation and compilation.
 */
class SnapshotUpdateFuzzTest {

    private static final Snapshot IN_FORCE = Snapshot.of(TestReplicas.routes("""
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: api }
            spec:
              service: api
              rules: [{ paths: [/api/], port: 8080, rewrite: [{ search: "^/api/", replace: /v2/ }] }]
            ---
            apiVersion: ballast.dev/v1alpha1
            kind: Route
            metadata: { name: files }
            spec: { endpoints: [{ address: "127.0.0.1:9000" }], rules: [{ paths: [/files/], pathType: Exact }] }
            """).routes(), List.of(new Endpoints("api", List.of(new Endpoint("10.0.0.7"), new Endpoint("10.0.0.8")))));
    private static final String IN_FORCE_JSON = RouteJson.write(IN_FORCE);

    private final StateFile stateFile = new StateFile(temporaryDirectory());

    private static Path temporaryDirectory() {
        try {
            Path directory = Files.createTempDirectory("snapshot-fuzz");
            directory.toFile().deleteOnExit();
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "12s")
    void pulledBody(byte[] body) {
        SnapshotUpdate update;
        try {
            update = RouteJson.read(body, SnapshotUpdate.class);
        } catch (JacksonException e) {
            return; // not an update: the puller reports the controller as failing
        }
        assertThat(update).as("what the body reads as (the JSON null?)").isNotNull();
        offer(update);
        if (update.isDelta()) {
            offer(new SnapshotUpdate(update.version(), IN_FORCE.version(), update.routes(), update.endpoints(),
                    update.removedRoutes(), update.removedEndpoints(), update.certificates(),
                    update.removedCertificates(), update.challenges()));
        } else {
            Snapshot content = new Snapshot("", update.routes(), update.endpoints(), update.certificates(),
                    update.challenges());
            offer(new SnapshotUpdate(SnapshotVersions.versionOf(content), null, update.routes(),
                    update.endpoints(), null, null, update.certificates(), null, update.challenges()));
        }
        assertThat(RouteJson.write(IN_FORCE)).as("the snapshot in force, after the offers").isEqualTo(IN_FORCE_JSON);
    }

    /** What the replica makes of an update: refused whole, or a snapshot fit to serve and to keep. */
    private void offer(SnapshotUpdate update) {
        Snapshot next;
        try {
            next = update.applyTo(IN_FORCE);
        } catch (IllegalArgumentException e) {
            return; // refused whole: the snapshot in force stays
        }
        assertThat(next.hasConsistentVersion()).as("accepted, but not hashing to its version").isTrue();
        assertThat(next.version()).isEqualTo(update.version());
        for (Route route : next.routes()) {
            if (!RouteValidator.validate(route).violations().isEmpty()) {
                return; // the puller rejects the update, and says why on its next pull
            }
        }
        RoutingTable table = RoutingTable.compile(next);
        assertThat(table.snapshot()).isEqualTo(next);
        stateFile.save(next);
        assertThat(stateFile.load()).as("what a restarted replica reads back").contains(next);
    }
}
