package dev.ballast.dataplane;

import dev.ballast.config.DataplaneConfig;
import dev.ballast.dataplane.files.RouteFiles;
import dev.ballast.dataplane.pull.SnapshotPuller;
import dev.ballast.dataplane.pull.StateFile;
import dev.ballast.schema.Snapshot;
import java.io.Closeable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica as configured: the listeners, and routes either from files (standalone) or pulled from controllers,
 * starting from the snapshot kept in the state directory when there is one.
 */
public final class Replica implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Replica.class);
    /**
     * How long a controller may hold a pull when nothing changes. Shorter than the protocol's 30 s default: a pull
     * that hangs (a controller host that died without closing its connections) then ends within this plus 5 s, and
     * the replica moves on to the next controller; and the endpoint figures each pull carries (the controller's
     * dashboard shows them) are never older than this. One request per replica every 2 s costs the controller little.
     */
    static final Duration PULL_WAIT = Duration.ofSeconds(2);

    private final DataplaneServer server;
    private final SnapshotPuller puller;
    private final RouteFiles files;
    private final RouteFiles.Scan firstScan;

    private Replica(DataplaneServer server, SnapshotPuller puller, RouteFiles files, RouteFiles.Scan firstScan) {
        this.server = server;
        this.puller = puller;
        this.files = files;
        this.firstScan = firstScan;
    }

    /**
     * Starts the replica.
     *
     * @throws IllegalArgumentException when the {@code --routes} path of standalone mode does not exist (nothing is
     *     started); route files with problems are reported and the others served (see {@link RouteFiles})
     * @throws ListenerException when a listener cannot be bound (nothing is left running)
     * @throws dev.ballast.dataplane.proxy.ErrorPages.DirectoryException when {@code --error-pages} names no readable
     *     directory (nothing is left running)
     */
    public static Replica start(DataplaneConfig config) throws InterruptedException {
        DataplaneServer server = new DataplaneServer(config);
        Optional<RouteFiles> files = routeFiles(config, server);
        Optional<StateFile> stateFile = config.stateDir().map(StateFile::new);
        // Read the saved snapshot while the listeners start: both are on the way to being ready.
        CompletableFuture<Optional<Snapshot>> saved = CompletableFuture.supplyAsync(() -> files.isPresent()
                ? Optional.<Snapshot>empty() : stateFile.flatMap(Replica::load));
        // With no saved snapshot to apply first, the first pull (the longest step: fetch, parse and check every
        // route) runs while the listeners and telemetry start. A snapshot applied before the listeners are up is
        // simply in force when they are. With a saved one, it goes first, so a newer pull is never overwritten by it.
        SnapshotPuller early = files.isEmpty() && stateFile.isEmpty() ? new SnapshotPuller(config.controllers(),
                config.replicaId(), PULL_WAIT, server, stateFile, server.controllerToken()) : null;
        if (early != null) {
            early.start();
        }
        try {
            server.start();
        } catch (InterruptedException | RuntimeException e) {
            if (early != null) {
                early.close();
            }
            server.close(); // its event loops would otherwise outlive the failed start
            throw e;
        }
        if (files.isPresent()) {
            return new Replica(server, null, files.get(), files.get().start());
        }
        if (early != null) {
            return new Replica(server, early, null, null);
        }
        saved.join().ifPresent(snapshot -> {
            server.apply(snapshot, "state-dir " + stateFile.get().path());
            log.info("serving snapshot {} ({} routes) from {} until a controller answers", snapshot.version(),
                    snapshot.routes().size(), stateFile.get().path());
        });
        SnapshotPuller puller = new SnapshotPuller(config.controllers(), config.replicaId(), PULL_WAIT, server,
                stateFile, server.controllerToken());
        puller.start();
        return new Replica(server, puller, null, null);
    }

    private static Optional<RouteFiles> routeFiles(DataplaneConfig config, DataplaneServer server) {
        try {
            return config.routes().map(path -> new RouteFiles(path, server, server::routeFileProblems,
                    RouteFiles.POLL_INTERVAL));
        } catch (IllegalArgumentException e) {
            server.close(); // its event loops would otherwise outlive the refused start
            throw e;
        }
    }

    private static Optional<Snapshot> load(StateFile file) {
        try {
            return file.load();
        } catch (RuntimeException e) {
            log.error("{}; starting without it, not ready until a controller answers", e.getMessage());
            return Optional.empty();
        }
    }

    public DataplaneServer server() {
        return server;
    }

    /** Standalone mode: what the first read of the route files put in force, and their problems. */
    public Optional<RouteFiles.Scan> firstScan() {
        return Optional.ofNullable(firstScan);
    }

    /** Stops gracefully: no more pulls, then the server drains (see {@link DataplaneServer#drain}). */
    @Override
    public void close() {
        if (puller != null) {
            puller.close();
        }
        if (files != null) {
            files.close();
        }
        server.drain();
    }
}
