package dev.ballast.dataplane.files;

import dev.ballast.dataplane.pull.SnapshotTarget;
import dev.ballast.schema.LoadResult;
import dev.ballast.schema.LoadedRoute;
import dev.ballast.schema.Problem;
import dev.ballast.schema.Route;
import dev.ballast.schema.RouteLoader;
import dev.ballast.schema.Snapshot;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes of a standalone replica ({@code --routes FILE|DIR}), read at start and followed while it runs, the way the
 * controller's GitOps source reads its directory: a file with problems is reported ({@code file:line: field: message},
 * as {@code ballast validate} prints them) and the other files are served; a file that turns bad while running keeps
 * its last good routes until it is fixed; a file removed takes its routes with it. Across files, route names must be
 * unique and at most one route may be the default backend: the first definition wins, the others are reported.
 *
 * <p>Files are polled ({@link #POLL_INTERVAL}) on a thread of their own, never an event loop: a poll costs a
 * {@code stat} per file, and only the files whose modification time, size or identity changed are read again.
 * Polling also sees what file-system events miss: bind mounts, Docker configs, files swapped by a symlink.
 *
 * <p>The replica is ready once some file has loaded without problems; before that (every file bad at start) it serves
 * nothing and says why in {@code /readyz}.
 */
public final class RouteFiles implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(RouteFiles.class);
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

    /**
     * One file as last read.
     *
     * @param fingerprint modification time, size and identity when read; {@code null} when they could not be read
     * @param lastGood the routes of its last clean load (kept while it has problems)
     * @param everGood whether it ever loaded cleanly
     * @param problems its errors now (empty: its routes are the current ones)
     */
    private record FileState(Object fingerprint, List<LoadedRoute> lastGood, boolean everGood,
                             List<Problem> problems) {
    }

    /** What a scan put in force: the routes served and the problems reported. */
    public record Scan(int routes, List<String> problems, boolean inForce) {
    }

    private final Path root;
    private final SnapshotTarget target;
    private final Consumer<List<String>> problemsSink;
    private final Duration interval;
    private final String source;
    private final Map<Path, FileState> files = new LinkedHashMap<>();
    private List<String> problems = List.of();
    private boolean applied;
    private Scan last = new Scan(0, List.of(), false);
    private Thread thread;
    private volatile boolean running;

    /**
     * @param root a route file or a directory of them
     * @param target where the routes go
     * @param problemsSink told the problems ({@code file:line: field: message}) after every scan that changed them
     * @throws IllegalArgumentException when {@code root} does not exist (a mistyped {@code --routes} is not started)
     */
    public RouteFiles(Path root, SnapshotTarget target, Consumer<List<String>> problemsSink, Duration interval) {
        if (!Files.exists(root)) {
            throw new IllegalArgumentException(root + ": no such file or directory");
        }
        this.root = root;
        this.target = target;
        this.problemsSink = problemsSink;
        this.interval = interval;
        this.source = "files " + root;
    }

    /** Reads the files once, now (the first scan), and then every {@link #POLL_INTERVAL} on a thread of its own. */
    public Scan start() {
        Scan first = scan();
        running = true;
        thread = new Thread(this::poll, "ballast-route-files");
        thread.setDaemon(true);
        thread.start();
        return first;
    }

    private void poll() {
        while (running) {
            try {
                Thread.sleep(interval.toMillis());
                scan();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("reading the route files under {} failed; trying again in {} ms", root,
                        interval.toMillis(), e);
            }
        }
    }

    /**
     * Reads what changed since the last scan and puts the result in force when it differs from what is.
     *
     * @return the routes in force and the problems
     */
    public synchronized Scan scan() {
        List<Problem> listing = new ArrayList<>();
        List<Path> found;
        if (!Files.exists(root)) {
            // the whole --routes path is gone (unmounted, mistyped in a swap): keep what was served, say why
            listing.add(Problem.error(root.toString(), 0, null, "no such file or directory"));
            found = new ArrayList<>(files.keySet());
        } else {
            try {
                found = RouteLoader.routeFiles(root);
            } catch (UncheckedIOException e) {
                listing.add(Problem.error(root.toString(), 0, null, "cannot list directory: "
                        + e.getCause().getMessage()));
                found = new ArrayList<>(files.keySet());
            }
            if (found.isEmpty()) {
                listing.add(Problem.error(root.toString(), 0, null, "no route files (*.yaml, *.yml, *.json) here"));
            }
        }
        boolean changed = !found.equals(new ArrayList<>(files.keySet()));
        Map<Path, FileState> next = new LinkedHashMap<>();
        for (Path file : found) {
            FileState before = files.get(file);
            Object fingerprint = listing.isEmpty() ? fingerprint(file) : before == null ? null : before.fingerprint();
            if (before != null && fingerprint != null && fingerprint.equals(before.fingerprint())) {
                next.put(file, before);
                continue;
            }
            changed = true;
            next.put(file, read(file, fingerprint, before));
        }
        for (Map.Entry<Path, FileState> gone : files.entrySet()) {
            if (!next.containsKey(gone.getKey()) && !gone.getValue().lastGood().isEmpty()) {
                log.info("route file {} is gone, and its {} route(s) with it", gone.getKey(),
                        gone.getValue().lastGood().size());
            }
        }
        files.clear();
        files.putAll(next);
        if (!changed && listing.isEmpty() && last.problems().stream().noneMatch(p -> p.startsWith(root + ": "))) {
            return last;
        }
        return putInForce(listing);
    }

    /** Loads one file; with problems it keeps the routes of its last clean load. */
    private FileState read(Path file, Object fingerprint, FileState before) {
        LoadResult result = RouteLoader.loadFile(file);
        List<LoadedRoute> lastGood = before == null ? List.of() : before.lastGood();
        if (!result.hasErrors()) {
            if (before != null && !before.problems().isEmpty()) {
                log.info("route file {} loads again: {} route(s)", file, result.routes().size());
            }
            return new FileState(fingerprint, result.routes(), true, List.of());
        }
        List<Problem> errors = result.problems().stream().filter(Problem::isError).toList();
        if (before == null || !before.problems().equals(errors)) {
            errors.forEach(p -> log.warn("route file problem: {}", p.format()));
            if (lastGood.isEmpty()) {
                log.warn("route file {} has problems: none of its routes are served until it is fixed", file);
            } else {
                log.warn("route file {} has problems: its last good routes stay in force ({})", file,
                        String.join(", ", lastGood.stream().map(r -> r.route().name()).toList()));
            }
        }
        return new FileState(fingerprint, lastGood, before != null && before.everGood(), errors);
    }

    private Scan putInForce(List<Problem> listing) {
        List<String> names = new ArrayList<>();
        List<LoadedRoute> routes = new ArrayList<>();
        List<Problem> all = new ArrayList<>(listing);
        boolean anyLoaded = false;
        for (Map.Entry<Path, FileState> e : files.entrySet()) {
            names.add(e.getKey().toString());
            routes.addAll(e.getValue().lastGood());
            all.addAll(e.getValue().problems());
            anyLoaded |= e.getValue().everGood();
        }
        LoadResult together = RouteLoader.checkTogether(names, routes, all);
        List<String> now = together.problems().stream().filter(Problem::isError).map(Problem::format).toList();
        Set<String> before = new LinkedHashSet<>(problems);
        for (Problem p : together.problems()) {
            if (p.isError() && !before.contains(p.format()) && !all.contains(p)) {
                log.warn("route file problem: {} (this route is not served)", p.format()); // across files
            }
        }
        for (Problem p : listing) {
            if (!before.contains(p.format())) {
                log.warn("route file problem: {}; the routes in force stay", p.format());
            }
        }
        if (now.isEmpty() && !problems.isEmpty()) {
            log.info("route files under {}: no problems left", root);
        }
        problems = now;
        problemsSink.accept(now);
        Snapshot snapshot = Snapshot.of(together.routes().stream().map(LoadedRoute::route).toList(), List.of());
        boolean inForce = applied;
        if ((anyLoaded || applied) && (!applied || !snapshot.version().equals(target.snapshot().version()))) {
            try {
                target.apply(snapshot, source);
                if (applied) {
                    log.info("route files under {} changed: {} route(s) in force, version {}", root,
                            snapshot.routes().size(), snapshot.version());
                }
                applied = true;
                inForce = true;
            } catch (RuntimeException e) {
                log.error("the routes under {} cannot be put in force; the previous ones stay: {}", root,
                        e.getMessage(), e);
            }
        }
        last = new Scan(inForce ? target.snapshot().routes().size() : 0, now, inForce);
        return last;
    }

    /** What tells a changed file: its modification time, size and identity (inode), or null when unreadable. */
    private static Object fingerprint(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
        } catch (IOException e) {
            return null;
        }
    }

    /** The names of the routes in force, for tests and logs. */
    public List<String> routeNames() {
        return target.snapshot().routes().stream().map(Route::name).toList();
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
