package dev.ballast.dataplane.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.schema.Endpoint;
import dev.ballast.schema.Endpoints;
import dev.ballast.schema.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {

    @TempDir
    Path dir;

    static Snapshot snapshot() {
        return Snapshot.of(List.of(), List.of(new Endpoints("web", List.of(new Endpoint("127.0.0.1:8080")))));
    }

    @Test
    void savesAndLoadsTheSameSnapshotAndLeavesNoTemporaryFiles() throws Exception {
        StateFile file = new StateFile(dir.resolve("nested"));
        assertThat(file.load()).isEmpty();
        file.save(Snapshot.empty());
        file.save(snapshot());
        assertThat(file.load()).contains(snapshot());
        try (var files = Files.list(dir.resolve("nested"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("snapshot.json");
        }
    }

    @Test
    void aDamagedFileIsRefusedNamingIt() throws Exception {
        StateFile file = new StateFile(dir);
        file.save(snapshot());
        Files.writeString(file.path(), Files.readString(file.path()).replace("8080", "9090"));
        assertThatThrownBy(file::load).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.path().toString())
                .hasMessageContaining("content does not match version");

        Files.writeString(file.path(), "{not json");
        assertThatThrownBy(file::load).hasMessageStartingWith(file.path() + ": not a snapshot");
    }
}
