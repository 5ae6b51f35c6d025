package dev.ballast.dataplane.pull;

import dev.ballast.schema.RouteJson;
import dev.ballast.schema.Snapshot;
import dev.ballast.schema.SnapshotUpdate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The last applied snapshot, kept in {@code --state-dir} so that a replica restarted while no controller answers
 * serves at once. Written to a temporary file and renamed over the old one, so a crash mid-write leaves the previous
 * file whole; read back only when its content still hashes to its version.
 */
public final class StateFile {

    static final String NAME = "snapshot.json";

    private final Path file;

    public StateFile(Path directory) {
        this.file = directory.resolve(NAME);
    }

    public Path path() {
        return file;
    }

    /**
     * The snapshot saved last; empty when there is none yet.
     *
     * @throws IllegalStateException when the file exists but cannot be read or does not hash to its version (the
     *     message names the file; the caller starts without it and waits for a controller)
     */
    public Optional<Snapshot> load() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException(file + ": cannot be read: " + e.getMessage(), e);
        }
        SnapshotUpdate saved;
        try {
            saved = RouteJson.read(bytes, SnapshotUpdate.class);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + ": not a snapshot: " + e.getMessage(), e);
        }
        if (saved.isDelta()) {
            throw new IllegalStateException(file + ": not a whole snapshot (it has a baseVersion)");
        }
        try {
            return Optional.of(saved.applyTo(null)); // checks that the content hashes to the version
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + ": " + e.getMessage() + " (damaged or edited by hand)", e);
        }
    }

    /**
     * Replaces the saved snapshot atomically. The snapshot may hold certificate keys: the file is only its owner's
     * (a temporary file is created 0600) and so is a directory created for it (0700).
     */
    public void save(Snapshot snapshot) {
        try {
            if (!Files.isDirectory(file.getParent())) {
                Files.createDirectories(file.getParent());
                ownerOnly(file.getParent());
            }
            Path temporary = Files.createTempFile(file.getParent(), NAME, ".tmp");
            try {
                // the same form as a full update on the wire
                Files.write(temporary, RouteJson.writeBytes(SnapshotUpdate.full(snapshot)));
                move(temporary);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be written: " + e.getMessage(), e);
        }
    }

    private static void ownerOnly(Path dir) throws IOException {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    private void move(Path temporary) throws IOException {
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
