package dev.ballast.schema;

import dev.ballast.config.yaml.LocatedYamlReader;
import dev.ballast.config.yaml.YamlDocument;
import dev.ballast.config.yaml.YamlSyntaxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads Route files: one or more YAML (or JSON) documents per file, files given directly or found in directories.
 *
 * <p>Each document is checked on its own, so one bad route does not hide the others; a YAML syntax error, though,
 * makes the rest of its file unreadable and is reported at the parser's line. Across all the files read, route names
 * must be unique, at most one route may be the default backend, and a port may be claimed by one TCP route only.
 */
public final class RouteLoader {

    private RouteLoader() {
    }

    /** True for the files a directory scan picks up: {@code *.yaml}, {@code *.yml}, {@code *.json}, not hidden. */
    public static boolean isRouteFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
    }

    /**
     * The route files named by {@code path}: the file itself, or every route file below a directory, sorted.
     *
     * @throws UncheckedIOException when a directory cannot be listed
     */
    public static List<Path> routeFiles(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.filter(p -> Files.isRegularFile(p) && isRouteFile(p) && notInHiddenDirectory(path, p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean notInHiddenDirectory(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    /** Loads every route file named by {@code paths} (files or directories) and checks them together. */
    public static LoadResult load(List<Path> paths) {
        List<String> files = new ArrayList<>();
        List<LoadedRoute> routes = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (Path path : paths) {
            if (!Files.exists(path)) {
                problems.add(Problem.error(path.toString(), 0, null, "no such file or directory"));
                continue;
            }
            List<Path> found;
            try {
                found = routeFiles(path);
            } catch (UncheckedIOException e) {
                problems.add(Problem.error(path.toString(), 0, null, "cannot list directory: " + e.getCause().getMessage()));
                continue;
            }
            if (found.isEmpty()) {
                problems.add(Problem.error(path.toString(), 0, null, "no route files (*.yaml, *.yml, *.json) here"));
            }
            for (Path file : found) {
                LoadResult one = loadFile(file);
                files.addAll(one.files());
                routes.addAll(one.routes());
                problems.addAll(one.problems());
            }
        }
        return checkTogether(files, routes, problems);
    }

    /** Loads one file on its own (no checks across files). */
    public static LoadResult loadFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            return new LoadResult(List.of(file.toString()), List.of(),
                    List.of(Problem.error(file.toString(), 0, null, "is not UTF-8 text")));
        } catch (IOException e) {
            return new LoadResult(List.of(file.toString()), List.of(),
                    List.of(Problem.error(file.toString(), 0, null, "cannot read: " + e.getMessage())));
        }
        return parse(file.toString(), text);
    }

    /** Parses the documents of one file's text; {@code file} is the name used in problems. */
    public static LoadResult parse(String file, String text) {
        List<LoadedRoute> routes = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<YamlDocument> documents;
        try {
            documents = LocatedYamlReader.readAll(text);
        } catch (YamlSyntaxException e) {
            return new LoadResult(List.of(file), List.of(), List.of(Problem.error(file, e.line(), "yaml", e.getMessage())));
        }
        for (YamlDocument document : documents) {
            RouteValidator.Result result = RouteValidator.validate(document.root());
            if (result.isValid()) {
                routes.add(new LoadedRoute(result.route(), file, document.lineOf("/metadata/name")));
            }
            List<Problem> found = new ArrayList<>();
            for (RouteSchema.Violation v : result.violations()) {
                found.add(Problem.error(file, document.lineOf(v.path().pointer()), v.path().dotted(), v.message()));
            }
            found.sort(Comparator.comparingInt(Problem::line)); // read top to bottom, like the file
            problems.addAll(found);
        }
        return new LoadResult(List.of(file), routes, problems);
    }

    /**
     * Names must be unique, at most one route may be the default backend, and two TCP routes may not claim the same
     * {@code srcPort} (a connection carries nothing to choose between them by); the first definition wins.
     */
    public static LoadResult checkTogether(List<String> files, List<LoadedRoute> routes, List<Problem> problems) {
        Map<String, LoadedRoute> byName = new HashMap<>();
        Map<Integer, LoadedRoute> tcpPorts = new HashMap<>();
        LoadedRoute defaultBackend = null;
        List<LoadedRoute> kept = new ArrayList<>();
        List<Problem> all = new ArrayList<>(problems);
        for (LoadedRoute loaded : routes) {
            LoadedRoute first = byName.putIfAbsent(loaded.route().name(), loaded);
            if (first != null) {
                all.add(Problem.error(loaded.file(), loaded.line(), "metadata.name", "duplicate route name \""
                        + loaded.route().name() + "\" (first defined at " + first.location() + ")"));
                continue;
            }
            if (loaded.route().spec().defaultBackend()) {
                if (defaultBackend != null) {
                    all.add(Problem.error(loaded.file(), loaded.line(), "spec.defaultBackend", "route \""
                            + defaultBackend.route().name() + "\" (" + defaultBackend.location()
                            + ") is already the default backend"));
                    continue;
                }
                defaultBackend = loaded;
            }
            Problem conflict = tcpPortConflict(loaded, tcpPorts);
            if (conflict != null) {
                all.add(conflict);
                continue;
            }
            kept.add(loaded);
        }
        return new LoadResult(files, kept, all);
    }

    /** The conflict of a TCP route with one before it on the same port, or null (then its ports are claimed). */
    private static Problem tcpPortConflict(LoadedRoute loaded, Map<Integer, LoadedRoute> tcpPorts) {
        RouteSpec spec = loaded.route().spec();
        if (spec.mode() != RouteMode.TCP) {
            return null;
        }
        for (int i = 0; i < spec.rules().size(); i++) {
            LoadedRoute first = tcpPorts.get(spec.rules().get(i).srcPort());
            if (first != null) {
                return Problem.error(loaded.file(), loaded.line(), "spec.rules[" + i + "].srcPort", "TCP routes \""
                        + first.route().name() + "\" (" + first.location() + ") and \"" + loaded.route().name()
                        + "\" both claim port " + spec.rules().get(i).srcPort() + "; \"" + loaded.route().name()
                        + "\" is refused");
            }
        }
        spec.rules().forEach(rule -> tcpPorts.put(rule.srcPort(), loaded));
        return null;
    }
}
