package dev.ballast.controller.gitops;

import dev.ballast.controller.source.SourceHealth;
import dev.ballast.schema.LoadResult;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Problem;
import dev.ballast.schema.RouteLoader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route files under a directory, watched and rescanned. A file that fails to load keeps contributing its last good
 * routes, and its problems (with file:line) are reported, so a typo pushed by GitOps never takes routes down.
 */
public final class GitOpsSource implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(GitOpsSource.class);

    /** The routes in force and the problems of files that could not be (fully) loaded. */
    public record State(List<LoadedRoute> routes, Map<String, List<Problem>> problems) {
        public static final State EMPTY = new State(List.of(), Map.of());

        public State {
            routes = List.copyOf(routes);
            problems = Map.copyOf(problems);
        }
    }

    private final Path directory;
    private final Clock clock;
    private final Map<String, List<LoadedRoute>> lastGood = new LinkedHashMap<>();
    private volatile State state = State.EMPTY;
    private volatile SourceHealth health = SourceHealth.notYetSynced("gitops");
    private WatchService watcher;
    private Thread watchThread;

    public GitOpsSource(Path directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
    }

    public State state() {
        return state;
    }

    public SourceHealth health() {
        return health;
    }

    /** Reads every route file again. */
    public synchronized void rescan() {
        if (!Files.isDirectory(directory)) {
            health = health.failed(clock.instant(), directory + ": no such directory");
            return;
        }
        List<Path> files;
        try {
            files = RouteLoader.routeFiles(directory);
        } catch (UncheckedIOException e) {
            health = health.failed(clock.instant(), directory + ": " + e.getCause().getMessage());
            return;
        }
        Map<String, List<Problem>> problems = new LinkedHashMap<>();
        Map<String, List<LoadedRoute>> next = new LinkedHashMap<>();
        for (Path file : files) {
            LoadResult result = RouteLoader.loadFile(file);
            String name = file.toString();
            if (result.hasErrors()) {
                problems.put(name, result.problems());
                next.put(name, lastGood.getOrDefault(name, List.of())); // keep what worked before
            } else {
                next.put(name, result.routes());
            }
        }
        lastGood.clear();
        lastGood.putAll(next);
        List<LoadedRoute> routes = new ArrayList<>();
        next.values().forEach(routes::addAll);
        state = new State(routes, problems);
        health = problems.isEmpty() ? health.succeeded(clock.instant())
                : health.succeeded(clock.instant()).failed(clock.instant(),
                        problems.values().iterator().next().get(0).format());
    }

    /** Watches the directory tree; {@code onChange} runs on every change (debouncing is the caller's). */
    public void watch(Runnable onChange) throws IOException {
        watcher = FileSystems.getDefault().newWatchService();
        register();
        watchThread = new Thread(() -> {
            try {
                while (true) {
                    var key = watcher.take();
                    key.pollEvents();
                    key.reset();
                    register(); // new subdirectories
                    onChange.run();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                LOG.warn("watching {} failed; changes are seen at the next resync: {}", directory, e.toString());
            }
        }, "ballast-gitops-watch");
        watchThread.setDaemon(true);
        watchThread.start();
    }

    /**
     * Watches every directory of the tree. Files come and go while it is walked (an editor or a deploy writes a
     * temporary file and renames it): one gone meanwhile is skipped, never an end of the watching.
     */
    private void register() throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                try {
                    dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                    return FileVisitResult.CONTINUE;
                } catch (NoSuchFileException gone) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    @Override
    public void close() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
        if (watchThread != null) {
            watchThread.interrupt();
        }
    }
}
